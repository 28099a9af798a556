import type { FastifyReply } from "fastify";
import type { OAuthError } from "../errors/oauth-errors.js";

/**
 * Sends the browser back to the client's verified redirect URI with the result,
 * `state` echoed and RFC 9207 `iss` always present.
 */
export function redirectToClient(
  reply: FastifyReply,
  issuer: string,
  redirectUri: string,
  state: string | null,
  result: { code: string } | { error: Pick<OAuthError, "code" | "description"> },
): FastifyReply {
  const url = new URL(redirectUri);
  if ("code" in result) url.searchParams.set("code", result.code);
  else {
    url.searchParams.set("error", result.error.code);
    if (result.error.description) url.searchParams.set("error_description", result.error.description);
  }
  if (state !== null) url.searchParams.set("state", state);
  url.searchParams.set("iss", issuer);
  return reply.code(303).header("cache-control", "no-store").header("location", url.toString()).send();
}
