import { InvalidRequest } from "../../errors/oauth-errors.js";
import type { NewInvitation } from "../../users/invitations.js";
import { InvalidUserInput, type NewUser } from "../../users/users.js";

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

/** A JSON object body with only the `allowed` fields, and a reader of its text fields. */
function jsonObject(body: unknown, allowed: readonly string[]) {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new InvalidRequest("the body must be a JSON object (content-type: application/json)");
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new InvalidRequest(`unknown field(s) ${unknown.join(", ")}`);
  const text = (name: string) => {
    if (b[name] !== undefined && typeof b[name] !== "string") throw new InvalidRequest(`${name}: a string`);
    return b[name] as string | undefined;
  };
  const roles = () => {
    if (b.roles !== undefined && !(Array.isArray(b.roles) && b.roles.every((r) => typeof r === "string")))
      throw new InvalidRequest("roles: a list of strings");
    return b.roles as string[] | undefined;
  };
  return { b, text, roles };
}

/** The body of POST /users: a JSON object of these fields, each of its type. */
export function newUserFrom(body: unknown): NewUser {
  const { b, text, roles } = jsonObject(body, [
    "username",
    "password",
    "email",
    "email_verified",
    "tenant",
    "roles",
  ]);
  if (b.email_verified !== undefined && typeof b.email_verified !== "boolean")
    throw new InvalidRequest("email_verified: true or false");
  const username = text("username");
  if (username === undefined) throw new InvalidRequest("username: required");
  return {
    username,
    password: text("password"),
    email: text("email"),
    emailVerified: b.email_verified as boolean | undefined,
    tenant: text("tenant"),
    roles: roles(),
  };
}

/** The body of POST /users/invitations. */
export function invitationFrom(body: unknown): NewInvitation {
  const { text, roles } = jsonObject(body, ["email", "username", "tenant", "roles"]);
  const email = text("email");
  if (email === undefined) throw new InvalidRequest("email: required");
  return { email, username: text("username"), tenant: text("tenant"), roles: roles() };
}
