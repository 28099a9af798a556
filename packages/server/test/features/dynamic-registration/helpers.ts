import { issueInitialAccessToken } from "../../../src/features/dynamic-registration/initial-access-tokens.js";
import type { TestServer } from "../../helpers/server.js";

export const CALLBACK = "http://127.0.0.1:9/callback";

/** An initial access token issued on the server's stores (what the CLI does). */
export async function initialAccessToken(
  server: TestServer,
  options: Parameters<typeof issueInitialAccessToken>[1] = {},
): Promise<string> {
  return (await issueInitialAccessToken(server.ctx.durable, options)).token;
}

/** A JSON request to the server, with a bearer token when given. */
export async function sendJson(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> | undefined; headers: Headers }> {
  const url = path.startsWith("http") ? path : `${server.issuer}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body !== undefined || options.rawBody !== undefined
        ? { "content-type": "application/json" }
        : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: response.headers,
  };
}

/** How many clients the durable store holds (a refused request must not change it). */
export async function clientCount(server: TestServer): Promise<number> {
  return (await server.ctx.durable.clients.list()).length;
}
