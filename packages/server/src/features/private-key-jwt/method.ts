import { decodeJwt } from "jose";
import { InvalidClient } from "../../errors/oauth-errors.js";
import type { ClientAuthMethod, PresentedCredentials } from "../../http/client-auth/methods.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import type { CoreServices } from "../contract.js";
import { JWT_BEARER_ASSERTION, verifyClientAssertion } from "./assertion.js";

/** The token endpoint's path (the token feature's; features do not import each other). */
const TOKEN_ENDPOINT_PATH = "/token";

/** Longer assertions are refused before any parsing. */
const MAX_ASSERTION_LENGTH = 8 * 1024;

/** Fast-store namespace of the `jti` values already used, per client. */
const USED_JTI_NS = "client-assertion-jti";

/** The presented assertion and the URL of the endpoint it was sent to. */
interface AssertionCredentials extends PresentedCredentials {
  credential: string;
  endpoint: string;
}

export interface PrivateKeyJwtOptions {
  /** The longest an assertion may still be valid for when presented (seconds). */
  maxLifetime: number;
  /** Tolerated clock difference with clients (seconds). */
  leeway: number;
  /** Seconds since the epoch (tests inject a clock). */
  now?: () => number;
}

const refused = () => new InvalidClient("client authentication failed");

/** The client the assertion names: `client_id` when sent, else the (not yet verified) `sub`. */
function namedClient(assertion: string, params: Record<string, string>): string {
  if (params.client_id !== undefined) return params.client_id;
  try {
    const { sub } = decodeJwt(assertion);
    if (typeof sub === "string" && sub) return sub;
  } catch {
    // falls through to the refusal
  }
  throw refused();
}

/**
 * `private_key_jwt` (RFC 7523 2.2, OIDC Core 9): the client signs a short-lived JWT
 * with a key it registered (`jwks` or `jwks_uri`). Each `jti` is accepted once, in
 * the fast store (so across every instance) until the assertion expires. Every
 * refusal is the same `invalid_client`; the reason is logged at debug level only.
 */
export function privateKeyJwtMethod(
  services: Pick<CoreServices, "config" | "fast" | "clientKeys" | "logger">,
  options: PrivateKeyJwtOptions,
): ClientAuthMethod {
  const issuer = services.config.issuer;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: "private_key_jwt",
    confidential: true,
    satisfies: ["private_key_jwt"],
    present(request, params): AssertionCredentials | undefined {
      const type = params.client_assertion_type;
      const assertion = params.client_assertion;
      if (type === undefined && assertion === undefined) return undefined;
      if (type !== JWT_BEARER_ASSERTION || !assertion || assertion.length > MAX_ASSERTION_LENGTH)
        throw refused();
      const path = request.routeOptions.url ?? TOKEN_ENDPOINT_PATH;
      return { clientId: namedClient(assertion, params), credential: assertion, endpoint: issuer + path };
    },
    async verify(client: ClientRecord, presented: PresentedCredentials): Promise<boolean> {
      const { credential, endpoint } = presented as AssertionCredentials;
      const at = now();
      let verified: { jti: string; exp: number };
      try {
        verified = await verifyClientAssertion(credential, services.clientKeys.keysOf(client), {
          clientId: client.id,
          audiences: [issuer, issuer + TOKEN_ENDPOINT_PATH, endpoint],
          maxLifetime: options.maxLifetime,
          leeway: options.leeway,
          now: at,
        });
      } catch (error) {
        services.logger.debug(
          { clientId: client.id, reason: (error as Error).message },
          "client assertion refused",
        );
        return false;
      }
      const ttl = Math.max(1, verified.exp - at + options.leeway);
      const first = await services.fast.setIfAbsent(USED_JTI_NS, `${client.id}:${verified.jti}`, "1", ttl);
      if (!first) services.logger.debug({ clientId: client.id }, "client assertion replayed");
      return first;
    },
  };
}
