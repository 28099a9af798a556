import type { FastifyReply } from "fastify";
import { AccessDenied } from "../../errors/oauth-errors.js";
import type { AuthorizationRequest } from "../../interaction/authorization-request/types.js";
import type { Interaction } from "../../interaction/interactions.js";
import type { InteractionKind } from "../../interaction/kinds.js";
import { redirectToClient } from "../../interaction/respond.js";
import { acrOf, claimedAcr } from "../../oauth/assurance.js";
import type { CoreServices } from "../contract.js";

export const AUTHORIZATION = "authorization";

/** An authorization request ends at the client's redirect URI: a code, or an error. */
export function authorizationKind({
  config,
  codes,
}: Pick<CoreServices, "config" | "codes">): InteractionKind {
  const requestOf = (interaction: Interaction) => interaction.request as AuthorizationRequest;
  const back = (
    reply: FastifyReply,
    request: AuthorizationRequest,
    result: Parameters<typeof redirectToClient>[4],
  ) => redirectToClient(reply, config.issuer, request.redirectUri, request.state, result);
  return {
    name: AUTHORIZATION,
    async complete(reply, interaction, session) {
      const request = requestOf(interaction);
      const code = await codes.issue({
        clientId: request.clientId,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        scopes: request.scopes,
        userId: session.userId,
        sid: session.sid,
        authTime: session.authTime,
        amr: session.amr,
        acr: claimedAcr(session.acr ?? acrOf(session.amr), interaction.request.acrValues),
        ...(session.idp ? { idp: session.idp } : {}),
        nonce: request.nonce,
        audience: request.audience,
        ...(request.dpopJkt === undefined ? {} : { dpopJkt: request.dpopJkt }),
      });
      return back(reply, request, { code });
    },
    deny: (reply, interaction) =>
      back(reply, requestOf(interaction), { error: new AccessDenied("the user denied the request") }),
    fail: (reply, interaction, error) => back(reply, requestOf(interaction), { error }),
  };
}
