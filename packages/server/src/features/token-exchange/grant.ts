import { InvalidScope, UnauthorizedClient } from "../../errors/oauth-errors.js";
import { required } from "../../oauth/params.js";
import { parseScope } from "../../oauth/scopes.js";
import { ACCESS_TOKEN_TYPE, checkTokenTypes, exchangeAudience } from "../../oauth/token-exchange.js";
import type { AccessTokenClaims, AccessTokenInput } from "../../tokens/access-token.js";
import type { CoreServices, GrantHandler } from "../contract.js";
import { verifyActor, verifySubject } from "./presented-tokens.js";

/** Scopes of the exchanged token: the subject's, or fewer (never more: RFC 8693 5). */
function narrowedScopes(requested: string | undefined, subject: AccessTokenClaims): string[] {
  const granted = parseScope(subject.scope);
  const asked = parseScope(requested);
  const wider = asked.find((scope) => !granted.includes(scope));
  if (wider !== undefined)
    throw new InvalidScope(`scope "${wider}" is not in the subject token: an exchange can only narrow it`);
  return asked.length ? asked : granted;
}

/** The person's sign-in context (and earlier actor), carried from the subject token as it is. */
function carriedClaims(subject: AccessTokenClaims): NonNullable<AccessTokenInput["extra"]> {
  const { sid, auth_time, acr, amr, tenant, roles, act } = subject;
  const carried = { sid, auth_time, acr, amr, tenant, roles, act };
  return Object.fromEntries(Object.entries(carried).filter(([, value]) => value !== undefined));
}

/**
 * RFC 8693 2: check the token types -> pick the audience the client may exchange
 * for -> verify the subject token (and the actor token) -> narrow the scope -> issue
 * an access token naming the person, for this client, that expires no later than the
 * subject token. Nothing is stored: revoking the person or the session (`sub`,
 * `sid`) revokes it with the subject token. No refresh token.
 */
export function tokenExchangeGrant(
  ctx: Pick<CoreServices, "config" | "durable" | "accessTokens" | "revocations">,
): GrantHandler {
  return async ({ client, params, binding }) => {
    if (client.tokenEndpointAuthMethod === "none")
      throw new UnauthorizedClient("public clients cannot exchange tokens");
    checkTokenTypes(params);
    const audience = exchangeAudience(
      params,
      ctx.config.resources,
      client.metadata.tokenExchangeAudiences ?? [],
    );
    const subject = await verifySubject(ctx, required(params, "subject_token"));
    const actor =
      params.actor_token === undefined
        ? undefined
        : await verifyActor(ctx, params.actor_token, client, subject.claims);
    const scopes = narrowedScopes(params.scope, subject.claims);
    const { token, claims } = await ctx.accessTokens.issue({
      sub: subject.person.id,
      clientId: client.id,
      audience,
      scopes,
      ttl: ctx.config.accessTokenTtl,
      notAfter: subject.claims.exp,
      revokedBefore: subject.person.tokensRevokedBefore,
      extra: {
        ...carriedClaims(subject.claims),
        ...(actor ? { act: actor } : {}),
        ...(binding.confirmation ? { cnf: binding.confirmation } : {}),
      },
    });
    return {
      access_token: token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: binding.tokenType,
      expires_in: Math.max(0, claims.exp - Math.floor(Date.now() / 1000)),
      ...(scopes.length ? { scope: scopes.join(" ") } : {}),
    };
  };
}
