import type { FastifyRequest } from "fastify";
import { clientSecretMatches } from "../../clients/secrets.js";
import { InvalidClient } from "../../errors/oauth-errors.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** Credentials a request carries for one method, before the client is looked up. */
export interface PresentedCredentials {
  clientId: string;
  /** Method-specific material (a secret, an assertion). */
  credential?: string;
}

/**
 * One client authentication method (RFC 6749 2.3, RFC 7523, OIDC Core 9): how to see
 * it in a request, and how to check it against the registered client. A feature adds
 * methods (`private_key_jwt`) through the feature contract.
 */
export interface ClientAuthMethod {
  /** The `token_endpoint_auth_method` value. */
  name: string;
  /** Whether the method proves possession of a credential (false only for `none`). */
  confidential: boolean;
  /** Registered methods a client may have and still use this one (secret in header or body). */
  satisfies: readonly string[];
  /** The credentials of this method in the request, or undefined when it carries none. Throws when malformed. */
  present(request: FastifyRequest, params: Record<string, string>): PresentedCredentials | undefined;
  /** Whether the credentials prove the client's identity. */
  verify(client: ClientRecord, presented: PresentedCredentials): Promise<boolean> | boolean;
  /** A 401 of this method carries its challenge (`Basic`). */
  challenge?: boolean;
}

function basicCredentials(header: string): PresentedCredentials {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || !/^[A-Za-z0-9+/]+=*$/.test(encoded))
    throw new InvalidClient("malformed Basic credentials", true);
  try {
    // RFC 6749 2.3.1: both parts are form-urlencoded before Base64.
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { clientId: decode(decoded.slice(0, colon)), credential: decode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClient("malformed Basic credentials", true);
  }
}

/** The secret, or the previous one while it is in its grace period after a rotation. */
const secretMatches = (client: ClientRecord, presented: PresentedCredentials) =>
  clientSecretMatches(presented.credential ?? "", client);

export const clientSecretBasic: ClientAuthMethod = {
  name: "client_secret_basic",
  confidential: true,
  satisfies: ["client_secret_basic", "client_secret_post"],
  challenge: true,
  present(request) {
    const header = request.headers.authorization;
    return header !== undefined && /^basic(\s|$)/i.test(header) ? basicCredentials(header) : undefined;
  },
  verify: secretMatches,
};

export const clientSecretPost: ClientAuthMethod = {
  name: "client_secret_post",
  confidential: true,
  satisfies: ["client_secret_post", "client_secret_basic"],
  present(_request, params) {
    if (params.client_secret === undefined) return undefined;
    if (params.client_id === undefined) throw new InvalidClient("client authentication is required");
    return { clientId: params.client_id, credential: params.client_secret };
  },
  verify: secretMatches,
};

/** A public client names itself and proves nothing (PKCE protects its codes). */
export const noClientAuthentication: ClientAuthMethod = {
  name: "none",
  confidential: false,
  satisfies: ["none"],
  present(_request, params) {
    return params.client_id === undefined ? undefined : { clientId: params.client_id };
  },
  verify: () => true,
};

/** The methods every server has, in discovery order. */
export const coreClientAuthMethods: readonly ClientAuthMethod[] = [
  clientSecretBasic,
  clientSecretPost,
  noClientAuthentication,
];
