import type { FastifyReply } from "fastify";
import type { OAuthError } from "../errors/oauth-errors.js";
import type { Session } from "../sessions/sessions.js";
import type { Interaction } from "./interactions.js";

/**
 * How one kind of interaction ends. The sign-in and consent pages are the same for
 * every kind; an authorization request ends with a code for the client, a device
 * code (features/device-flow) with the device being approved.
 */
export interface InteractionKind {
  name: string;
  /** Every check passed: finish (the interaction is already consumed). */
  complete(reply: FastifyReply, interaction: Interaction, session: Session): Promise<FastifyReply>;
  /** The person refused on the consent page. */
  deny(reply: FastifyReply, interaction: Interaction): Promise<FastifyReply> | FastifyReply;
  /** A check ended the request with an error (for example `login_required` with `prompt=none`). */
  fail(
    reply: FastifyReply,
    interaction: Interaction,
    error: OAuthError,
  ): Promise<FastifyReply> | FastifyReply;
}
