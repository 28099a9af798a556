import type { FastifyRequest } from "fastify";
import type { Context } from "../../context.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** The successful token response (RFC 6749 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}

export interface GrantRequest {
  ctx: Context;
  client: ClientRecord;
  params: Record<string, string>;
  request: FastifyRequest;
}

/** One grant type's handler: validate the grant-specific parameters, act, answer. */
export type GrantHandler = (grant: GrantRequest) => Promise<TokenResponse>;
