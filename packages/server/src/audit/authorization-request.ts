import { createHash, randomBytes } from "node:crypto";
import { type Metadata, stringList } from "./metadata.js";
import type { ProbeAnswer } from "./probe.js";

/** Errors that mean "the request was fine, only nobody is signed in" (OpenID Connect Core §3.1.2.6). */
const NEEDS_SIGN_IN = new Set([
  "login_required",
  "interaction_required",
  "consent_required",
  "account_selection_required",
]);

/** Where one authorization request sent the browser. */
export type AuthorizationOutcome =
  /** Back to the redirect URI the request named, with these parameters (query and fragment). */
  | { kind: "redirect-uri"; location: string; params: URLSearchParams; accepted: boolean }
  /** A redirect somewhere else (the server's own sign-in page, usually). */
  | { kind: "elsewhere"; location: string }
  /** A page, no redirect. */
  | { kind: "page"; status: number };

export interface AuthorizationParams {
  clientId: string;
  redirectUri?: string;
  scope?: string;
  extra?: Record<string, string>;
}

/** The client's valid request: `openid` as its scope when the server is an OpenID provider. */
export function baseRequest(metadata: Metadata, clientId: string, redirectUri?: string): AuthorizationParams {
  return {
    clientId,
    ...(redirectUri ? { redirectUri } : {}),
    ...(stringList(metadata, "scopes_supported")?.includes("openid") ? { scope: "openid" } : {}),
  };
}

const random = () => randomBytes(16).toString("base64url");

/** A fresh S256 pair (RFC 7636 §4.1, §4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * A valid code request (S256 PKCE, fresh state and nonce), which `extra` then changes:
 * a parameter set to "" is left out.
 */
export function authorizationUrl(
  endpoint: string,
  params: AuthorizationParams,
): { url: string; state: string } {
  const state = random();
  const query: Record<string, string> = {
    response_type: "code",
    client_id: params.clientId,
    ...(params.redirectUri ? { redirect_uri: params.redirectUri } : {}),
    ...(params.scope ? { scope: params.scope } : {}),
    state,
    nonce: random(),
    code_challenge: pkcePair().challenge,
    code_challenge_method: "S256",
    ...params.extra,
  };
  const url = new URL(endpoint);
  for (const [key, value] of Object.entries(query)) if (value !== "") url.searchParams.set(key, value);
  return { url: url.href, state };
}

/** Whether `location` is `redirectUri` with parameters added (and nothing else changed). */
function isAt(location: string, redirectUri: string): boolean {
  if (!location.startsWith(redirectUri)) return false;
  const next = location.charAt(redirectUri.length);
  return next === "" || next === "?" || next === "&" || next === "#";
}

/** Reads where an answer sends the browser, judged against the redirect URI the request named. */
export function outcomeOf(answer: ProbeAnswer, redirectUri: string | undefined): AuthorizationOutcome {
  const location = answer.headers.get("location");
  if (answer.status < 300 || answer.status >= 400 || !location)
    return { kind: "page", status: answer.status };
  const absolute = new URL(location, answer.url).href;
  if (!redirectUri || !isAt(absolute, redirectUri)) return { kind: "elsewhere", location: absolute };
  const url = new URL(absolute);
  const params = new URLSearchParams(url.search);
  for (const [key, value] of new URLSearchParams(url.hash.slice(1))) params.append(key, value);
  const error = params.get("error");
  const accepted =
    error === null
      ? ["code", "access_token", "id_token"].some((p) => params.has(p))
      : NEEDS_SIGN_IN.has(error);
  return { kind: "redirect-uri", location: absolute, params, accepted };
}

/** `error=…` (and its description) of an answer at the redirect URI, for a finding's detail. */
export function describeOutcome(outcome: AuthorizationOutcome): string {
  if (outcome.kind === "page") return `an HTTP ${outcome.status} page`;
  if (outcome.kind === "elsewhere") return `a redirect to ${outcome.location}`;
  const error = outcome.params.get("error");
  if (error === null) return "a redirect to the redirect URI with a response";
  const description = outcome.params.get("error_description");
  return `error=${error}${description ? ` (${description})` : ""} at the redirect URI`;
}
