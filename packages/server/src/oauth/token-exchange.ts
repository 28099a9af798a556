import { InvalidRequest, InvalidTarget } from "../errors/oauth-errors.js";

/** RFC 8693 2.1: the grant type of a token exchange. */
export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";

/** RFC 8693 3: the token type identifiers this server reads and issues. */
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

/** Frontdesk access tokens are JWTs, so a caller may call them either. */
const ACCEPTED_TYPES: readonly string[] = [ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE];

function acceptedType(params: Record<string, string>, name: string): void {
  const type = params[name];
  if (type === undefined) throw new InvalidRequest(`missing parameter "${name}"`);
  if (!ACCEPTED_TYPES.includes(type))
    throw new InvalidRequest(`${name} "${type}" is not supported (use ${ACCEPTED_TYPES.join(" or ")})`);
}

/**
 * The token types of an exchange request: the subject's (and the actor's, given
 * exactly when `actor_token` is, RFC 8693 2.1) must be Frontdesk access tokens, and
 * only an access token can be requested.
 */
export function checkTokenTypes(params: Record<string, string>): void {
  acceptedType(params, "subject_token_type");
  if (params.actor_token !== undefined) acceptedType(params, "actor_token_type");
  else if (params.actor_token_type !== undefined)
    throw new InvalidRequest('actor_token_type is given without "actor_token"');
  const requested = params.requested_token_type;
  if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE)
    throw new InvalidRequest(
      `requested_token_type "${requested}" cannot be issued (only ${ACCESS_TOKEN_TYPE})`,
    );
}

/**
 * The audience of an exchanged token. `audience` and `resource` both name one of the
 * configured resources (given both, the same one); without either, the client's only
 * allowed audience. A target the client may not exchange for is `invalid_target`
 * (RFC 8693 2.2.2).
 */
export function exchangeAudience(
  params: Record<string, string>,
  resources: readonly string[],
  allowed: readonly string[],
): string {
  const { audience, resource } = params;
  if (audience !== undefined && resource !== undefined && audience !== resource)
    throw new InvalidTarget("audience and resource name different targets: give one");
  const named = audience ?? resource;
  if (named === undefined && allowed.length !== 1)
    throw new InvalidRequest(
      allowed.length
        ? "name the target with audience or resource: this client may exchange for several"
        : "this client may not exchange tokens for any audience (its token_exchange_audiences is empty)",
    );
  const target = named ?? (allowed[0] as string);
  if (!resources.includes(target))
    throw new InvalidTarget(`"${target}" is not a resource this server issues tokens for`);
  if (!allowed.includes(target))
    throw new InvalidTarget(`this client may not exchange tokens for "${target}" (token_exchange_audiences)`);
  return target;
}
