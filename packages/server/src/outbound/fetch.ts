import { lookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { type AllowList, isInternalAddress, isLoopbackAddress } from "./addresses.js";

/** Why an outbound request was not sent, or failed: a stable code callers branch on. */
export class OutboundError extends Error {
  constructor(
    readonly code:
      | "ERR_OUTBOUND_BLOCKED"
      | "ERR_OUTBOUND_FAILED"
      | "ERR_OUTBOUND_TOO_LARGE"
      | "ERR_OUTBOUND_TIMEOUT",
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

export interface OutboundPolicy {
  /** Production: https only. Development also allows http, to loopback addresses only. */
  production: boolean;
  allow: AllowList;
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Aborts the request (the caller's own deadline): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Where a URL may be sent, after DNS: the vetted address the connection must use. */
async function vet(url: URL, policy: OutboundPolicy): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new OutboundError("ERR_OUTBOUND_BLOCKED", `${url.protocol} URLs are not fetched`);
  if (url.username || url.password)
    throw new OutboundError("ERR_OUTBOUND_BLOCKED", "URLs with credentials are not fetched");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) as 4 | 6 }]
    : await lookup(host, { all: true, verbatim: true }).catch(() => {
        throw new OutboundError("ERR_OUTBOUND_FAILED", `${host} does not resolve`);
      });
  if (!addresses.length) throw new OutboundError("ERR_OUTBOUND_FAILED", `${host} does not resolve`);
  const allowedHost = policy.allow.allowsHost(host);
  // Every address the name resolves to must pass: a name with one public and one internal address is refused.
  for (const { address } of addresses) {
    if (allowedHost || policy.allow.allowsAddress(address)) continue;
    const loop = isLoopbackAddress(address);
    if (url.protocol === "http:" && !(loop && !policy.production))
      throw new OutboundError(
        "ERR_OUTBOUND_BLOCKED",
        policy.production
          ? "only https URLs are fetched"
          : "http is fetched only from loopback addresses in development",
      );
    if (isInternalAddress(address) && !(loop && !policy.production))
      throw new OutboundError("ERR_OUTBOUND_BLOCKED", `${host} resolves to an internal address (${address})`);
  }
  const first = addresses[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * An outbound HTTP request that cannot be turned against the server's network (SSRF):
 * the host is resolved and vetted first, the connection goes to that very address (no
 * second lookup to rebind), redirects are not followed, and time and size are bounded.
 */
export async function outboundRequest(
  target: string,
  policy: OutboundPolicy,
  options: OutboundRequest = {},
): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new OutboundError("ERR_OUTBOUND_BLOCKED", "not an absolute URL");
  }
  const vetted = await vet(url, policy);
  const pinned: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all)
      (callback as never as (e: null, a: unknown[]) => void)(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  };
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? "GET",
        headers: { "user-agent": "frontdesk", ...options.headers },
        lookup: pinned,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new OutboundError("ERR_OUTBOUND_TOO_LARGE", `answer larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new OutboundError("ERR_OUTBOUND_TIMEOUT", `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const abort = () => req.destroy(options.signal?.reason);
    options.signal?.addEventListener("abort", abort, { once: true });
    if (options.signal?.aborted) abort();
    req.on("close", () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", abort);
    });
    req.on("timeout", () =>
      req.destroy(new OutboundError("ERR_OUTBOUND_TIMEOUT", `no answer within ${timeoutMs} ms`)),
    );
    req.on("error", (error) =>
      reject(
        error instanceof OutboundError || error === options.signal?.reason
          ? error
          : new OutboundError("ERR_OUTBOUND_FAILED", error.message),
      ),
    );
    req.end(options.body);
  });
}
