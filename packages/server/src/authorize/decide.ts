import type { FastifyReply } from "fastify";
import type { Context } from "../context.js";
import { AccessDenied, ConsentRequired, LoginRequired, type OAuthError } from "../errors/oauth-errors.js";
import type { Session } from "../sessions/sessions.js";
import type { ClientRecord } from "../storage/durable/types.js";
import type { Interaction } from "./interactions.js";
import { redirectToClient } from "./respond.js";

export type Step =
  | { next: "login" }
  | { next: "consent" }
  | { next: "issue"; session: Session }
  | { next: "error"; error: OAuthError };

const now = () => Math.floor(Date.now() / 1000);

/** Whether the session satisfies the request's authentication demands (prompt=login, max_age). */
function authenticationFresh(interaction: Interaction, session: Session): boolean {
  const { request } = interaction;
  // A sign-in completed for this interaction is always fresh enough. Otherwise compare whole
  // seconds conservatively: a session from the same second as the request is not "after" it.
  if (interaction.loginSid === session.sid) return true;
  if (request.prompt.includes("login")) return false;
  if (request.maxAge !== null && now() - session.authTime >= request.maxAge) return false;
  return true;
}

async function consentCovers(
  ctx: Context,
  client: ClientRecord,
  userId: string,
  scopes: string[],
): Promise<boolean> {
  if (client.firstParty) return true;
  const grant = await ctx.durable.grants.get(userId, client.id);
  return grant !== undefined && scopes.every((s) => grant.scopes.includes(s));
}

/** What happens next for an authorization request: sign-in, consent, or a code. */
export async function decide(
  ctx: Context,
  client: ClientRecord,
  interaction: Interaction,
  session: Session | undefined,
  consentJustGiven = false,
): Promise<Step> {
  const { request } = interaction;
  const silent = request.prompt.includes("none");
  const user = session ? await ctx.durable.users.get(session.userId) : undefined;
  if (!session || !user || user.disabled || !authenticationFresh(interaction, session))
    return silent
      ? { next: "error", error: new LoginRequired("the user is not signed in") }
      : { next: "login" };
  if (consentJustGiven) return { next: "issue", session };
  const promptConsent = request.prompt.includes("consent") && !client.firstParty;
  if (promptConsent || !(await consentCovers(ctx, client, user.id, request.scopes)))
    return silent
      ? { next: "error", error: new ConsentRequired("the user has not granted this access") }
      : { next: "consent" };
  return { next: "issue", session };
}

/** Issues the code and sends the browser back to the client. */
export async function issueCode(
  ctx: Context,
  reply: FastifyReply,
  interaction: Interaction,
  session: Session,
): Promise<FastifyReply> {
  const { request } = interaction;
  const code = await ctx.codes.issue({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scopes: request.scopes,
    userId: session.userId,
    sid: session.sid,
    authTime: session.authTime,
    amr: session.amr,
    acr: null,
    nonce: request.nonce,
    audience: request.audience,
  });
  return redirectToClient(reply, ctx.config.issuer, request.redirectUri, request.state, { code });
}

export function deny(ctx: Context, reply: FastifyReply, interaction: Interaction): FastifyReply {
  const { request } = interaction;
  return redirectToClient(reply, ctx.config.issuer, request.redirectUri, request.state, {
    error: new AccessDenied("the user denied the request"),
  });
}
