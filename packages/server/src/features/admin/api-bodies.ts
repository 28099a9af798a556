import { InvalidRequest } from "../../errors/oauth-errors.js";
import type { NewInvitation } from "../../users/invitations.js";
import { InvalidUserInput, type NewUser } from "../../users/users.js";
import { jsonObject } from "../admin-api.js";

/** Reading the admin API's JSON bodies, and what their callers must fix as invalid_request. */

/** Runs a user operation: what the caller must fix (InvalidUserInput) is their invalid_request. */
export async function asInvalidRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidUserInput) throw new InvalidRequest(error.message);
    throw error;
  }
}

/** The body of POST /users: a JSON object of these fields, each of its type. */
export function newUserFrom(body: unknown): NewUser {
  const { text, list, flag } = jsonObject(body, [
    "username",
    "password",
    "email",
    "email_verified",
    "tenant",
    "roles",
  ]);
  const username = text("username");
  if (username === undefined) throw new InvalidRequest("username: required");
  return {
    username,
    password: text("password"),
    email: text("email"),
    emailVerified: flag("email_verified"),
    tenant: text("tenant"),
    roles: list("roles"),
  };
}

/** The body of POST /users/invitations. */
export function invitationFrom(body: unknown): NewInvitation {
  const { text, list } = jsonObject(body, ["email", "username", "tenant", "roles"]);
  const email = text("email");
  if (email === undefined) throw new InvalidRequest("email: required");
  return { email, username: text("username"), tenant: text("tenant"), roles: list("roles") };
}
