import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { TestServer } from "./server.js";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** `Authorization: Basic` for a client (RFC 6749 2.3.1: form-encode both parts first). */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

/** POSTs a form body (string or pairs; pairs may repeat a name) to a path of the server. */
export async function postForm(
  server: Pick<TestServer, "issuer">,
  path: string,
  form: string | [string, string][] | Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const body =
    typeof form === "string" ? form : new URLSearchParams(Array.isArray(form) ? form : Object.entries(form));
  const response = await fetch(`${server.issuer}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: body.toString(),
  });
  return answer(response);
}

/** POSTs any body with any headers (no content type added). */
export async function postRaw(
  server: Pick<TestServer, "issuer">,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return answer(await fetch(`${server.issuer}${path}`, { method: "POST", headers, body }));
}

export async function getJson(url: string): Promise<HttpAnswer> {
  return answer(await fetch(url));
}

/** A token from the client credentials grant (client_secret_basic). */
export async function clientCredentialsToken(
  server: Pick<TestServer, "issuer">,
  client: { id: string; secret: string },
  extra: Record<string, string> = {},
): Promise<string> {
  const res = await postForm(
    server,
    "/token",
    { grant_type: "client_credentials", ...extra },
    { authorization: basic(client.id, client.secret) },
  );
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return String(res.json?.access_token);
}

/** The decoded JWS protected header of a compact JWT. */
export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
}

export const CLI = resolve(import.meta.dirname, "../../dist/cli/main.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for child processes without any FRONTDESK_* variable of the test runner. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FRONTDESK_")));
  return { ...env, ...extra };
}

/**
 * Runs the built CLI (`npm test` builds before vitest) to completion, with `input` on
 * its stdin. `where` runs another copy of it (`script`) or from another directory.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
  where: { script?: string; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [where.script ?? CLI, ...args], {
      env: cleanEnv(env),
      cwd: where.cwd,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs the CLI and parses the one JSON object it must print on stdout. */
export async function runCliJson(args: string[]): Promise<Record<string, unknown>> {
  const result = await runCli([...args, "--json"]);
  if (result.code !== 0) throw new Error(`CLI ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  const lines = result.stdout.trim().split("\n");
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got:\n${result.stdout}`);
  return JSON.parse(lines[0] as string) as Record<string, unknown>;
}

/** Every object key in a JSON value, at any depth (to check the casing of outputs). */
export function fieldNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(fieldNames);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...fieldNames(inner)]);
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
