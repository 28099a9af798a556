import { InvalidGrant } from "../../errors/oauth-errors.js";
import { liveAccessToken } from "../../revocation/revocations.js";
import type { ClientRecord, UserRecord } from "../../storage/durable/types.js";
import type { AccessTokenClaims, ActorClaim } from "../../tokens/access-token.js";
import type { CoreServices } from "../contract.js";

type Deps = Pick<CoreServices, "accessTokens" | "revocations" | "durable">;

/** The subject token and the person it names. */
export interface Subject {
  claims: AccessTokenClaims;
  person: UserRecord;
}

/**
 * The subject token: a live Frontdesk access token (this server's key and issuer, not
 * expired, not revoked by jti, person, session or client) naming an active person.
 * One answer for every refusal, so the endpoint tells nothing about other tokens.
 */
export async function verifySubject(ctx: Deps, token: string): Promise<Subject> {
  const claims = await liveAccessToken(ctx, token);
  const person = claims ? await ctx.durable.users.get(claims.sub) : undefined;
  if (!claims || !person || person.disabled)
    throw new InvalidGrant("the subject token is invalid, expired, revoked or not a person's");
  return { claims, person };
}

/**
 * The actor token (RFC 8693 2.1): the calling client's own live access token. It
 * becomes the `act` claim, with the subject's earlier actor nested inside (4.1).
 */
export async function verifyActor(
  ctx: Deps,
  token: string,
  caller: ClientRecord,
  subject: AccessTokenClaims,
): Promise<ActorClaim> {
  const claims = await liveAccessToken(ctx, token);
  if (!claims || claims.client_id !== caller.id)
    throw new InvalidGrant("the actor token is invalid, expired, revoked or not this client's");
  return { sub: claims.sub, ...(subject.act ? { act: subject.act } : {}) };
}
