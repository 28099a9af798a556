import { isCanonicalCompactJws } from "@frontdesk/guard";
import { compactVerify, createLocalJWKSet, decodeJwt } from "jose";
import { InvalidRequest } from "../../errors/oauth-errors.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import type { CoreServices } from "../contract.js";

export interface LogoutRequest {
  client?: ClientRecord;
  /** Verified against the client's registered values; absent means "show the signed-out page". */
  postLogoutRedirectUri?: string;
  state?: string;
  idTokenHint?: string;
  /** The `sid` of the ID token hint, if it had one. */
  sid?: string;
}

/** Signature and issuer of an ID token hint; an expired one is still a valid hint. */
async function readHint(
  ctx: Pick<CoreServices, "config" | "durable" | "keys">,
  hint: string,
): Promise<{ aud: string[]; sid?: string }> {
  try {
    if (!isCanonicalCompactJws(hint)) throw new Error("not a canonical JWS");
    const jwks = createLocalJWKSet(await ctx.keys.publicJwks());
    // Each published key is bound to its algorithm (the JWK says), so any of ours may sign a hint.
    await compactVerify(hint, jwks, { algorithms: [...ctx.keys.algs] });
    const claims = decodeJwt(hint);
    if (claims.iss !== ctx.config.issuer) throw new Error("issuer");
    const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
    return { aud, sid: typeof claims.sid === "string" ? claims.sid : undefined };
  } catch {
    throw new InvalidRequest("id_token_hint is not an ID token issued by this server");
  }
}

/**
 * OIDC RP-Initiated Logout 1.0: the redirect target must exactly match a value
 * registered by the client named by the ID token hint or client_id.
 */
export async function validateLogoutRequest(
  ctx: Pick<CoreServices, "config" | "durable" | "keys">,
  params: Record<string, string>,
): Promise<LogoutRequest> {
  const out: LogoutRequest = { state: params.state };
  let clientId = params.client_id;
  if (params.id_token_hint) {
    const hint = await readHint(ctx, params.id_token_hint);
    if (clientId && !hint.aud.includes(clientId))
      throw new InvalidRequest("client_id does not match the id_token_hint");
    clientId ??= hint.aud[0];
    out.idTokenHint = params.id_token_hint;
    out.sid = hint.sid;
  }
  if (clientId) {
    const client = await ctx.durable.clients.get(clientId);
    if (!client) throw new InvalidRequest("unknown client");
    out.client = client;
  }
  const target = params.post_logout_redirect_uri;
  if (target !== undefined) {
    if (!out.client) throw new InvalidRequest("post_logout_redirect_uri needs id_token_hint or client_id");
    if (!out.client.postLogoutRedirectUris.includes(target))
      throw new InvalidRequest("post_logout_redirect_uri is not registered for this application");
    out.postLogoutRedirectUri = target;
  }
  return out;
}
