import { isIP } from "node:net";
import { isLoopbackAddress } from "../outbound/addresses.js";

/** One answer as the audit reads it (redirects are never followed for it). */
export interface ProbeAnswer {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

/** A request the audit could not make, or refused to make. */
export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProbeError";
  }
}

const TIMEOUT_MS = 10_000;

/**
 * The only way the audit talks to the network: one request at a time, each
 * answered before the next is sent (no load), redirects never followed for the
 * caller, and only to the origins it was pointed at (the issuer's, and those its
 * metadata names for its own endpoints).
 */
export class Prober {
  private readonly origins = new Set<string>();
  private sent = 0;

  constructor(issuer: string) {
    this.origins.add(new URL(issuer).origin);
  }

  /** Adds the origin of an endpoint the server's metadata names. */
  allow(url: string): void {
    this.origins.add(new URL(url).origin);
  }

  isAllowed(url: string): boolean {
    return this.origins.has(new URL(url).origin);
  }

  /** How many requests were sent. */
  get requests(): number {
    return this.sent;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<ProbeAnswer> {
    return this.send(url, { method: "GET", headers });
  }

  postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.send(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
  }

  private async send(url: string, init: RequestInit): Promise<ProbeAnswer> {
    if (!this.isAllowed(url))
      throw new ProbeError(`${new URL(url).origin} is not the server being audited: not contacted`);
    this.sent++;
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new ProbeError(`${init.method} ${url} failed: ${describeFetchError(error)}`);
    }
    return { url, status: response.status, headers: response.headers, text: await response.text() };
  }
}

/** The reason inside a fetch failure (undici puts it in `cause`). */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return (error as Error).message;
}

/** The answer's body as a JSON object, or undefined. */
export function jsonObject(answer: ProbeAnswer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(answer.text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** localhost, *.localhost or a loopback address: a development set-up on this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  return isIP(host) !== 0 && isLoopbackAddress(host);
}

/** Whether a Cache-Control value has the no-store directive (RFC 9111 §5.2.2.5). */
export function hasNoStore(cacheControl: string | null | undefined): boolean {
  return (cacheControl ?? "").split(",").some((directive) => directive.trim().toLowerCase() === "no-store");
}
