import type { UserRecord } from "../storage/durable/types.js";
import { type FirebaseHashConfig, firebaseScryptString } from "./password-hashes/index.js";
import type { NewUser } from "./users.js";

/**
 * The users file of `frontdesk user import` and `export` (docs/migrating-users.md):
 * one JSON object per line, these fields, snake_case like the rest of the CLI's JSON.
 */
export const USER_FILE_FIELDS = [
  "username",
  "email",
  "email_verified",
  "name",
  "roles",
  "tenant",
  "disabled",
  "password_hash",
] as const;

/** One line as `export` writes it. */
export interface UserLine {
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  roles: string[];
  tenant: string | null;
  disabled: boolean;
  /** The stored hash as it is (argon2id, or an imported one not yet replaced); null: no password. */
  password_hash: string | null;
}

/** A line read: the user to create, or why the line is refused (never quoting a hash). */
export type ReadLine = { user: NewUser; refused?: undefined } | { refused: string; username?: string };

const FIREBASE_FIELDS = ["algorithm", "hash", "salt", "signer_key", "salt_separator", "rounds", "mem_cost"];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const optional = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** As `--roles a,b` could give it: 1-100 characters, no comma, no control character, no surrounding space. */
const isRoleName = (role: unknown) =>
  typeof role === "string" && /^[^,\p{Cc}]{1,100}$/u.test(role) && role.trim() === role;

/** The type errors of a line, field by field (the user service checks the values). */
function typeProblem(line: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(line).filter((key) => !(USER_FILE_FIELDS as readonly string[]).includes(key));
  if (unknown.includes("password"))
    return "password: plain-text passwords are not imported; give password_hash (the hash the old system stored)";
  if (unknown.length)
    return `unknown field ${unknown.map((key) => JSON.stringify(key)).join(", ")}; the fields are ${USER_FILE_FIELDS.join(", ")}`;
  if (line.username === undefined) return "username: missing";
  if (typeof line.username !== "string") return "username: not a string";
  for (const key of ["email", "name", "tenant"] as const)
    if (line[key] !== undefined && line[key] !== null && typeof line[key] !== "string")
      return `${key}: not a string or null`;
  for (const key of ["email_verified", "disabled"] as const)
    if (line[key] !== undefined && typeof line[key] !== "boolean") return `${key}: not true or false`;
  if (line.roles !== undefined && !(Array.isArray(line.roles) && line.roles.every(isRoleName)))
    return "roles: not a list of role names (1-100 characters, no commas, no surrounding spaces)";
  return undefined;
}

/** The password hash of a line as a string the user service stores, or why it is refused. */
function passwordHash(
  value: unknown,
  firebase: Partial<FirebaseHashConfig>,
): { hash?: string; refused?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value === "string") return { hash: value };
  if (!isObject(value) || value.algorithm !== "firebase-scrypt")
    return { refused: 'password_hash: a hash string, or an object with "algorithm": "firebase-scrypt"' };
  const unknown = Object.keys(value).filter((key) => !FIREBASE_FIELDS.includes(key));
  if (unknown.length)
    return {
      refused: `password_hash: unknown field ${unknown.map((key) => JSON.stringify(key)).join(", ")}`,
    };
  const { hash, salt, signer_key, salt_separator, rounds, mem_cost } = value;
  if (typeof hash !== "string" || typeof salt !== "string")
    return { refused: "password_hash: firebase-scrypt needs hash and salt (base64 strings)" };
  for (const [key, v] of Object.entries({ signer_key, salt_separator }))
    if (v !== undefined && typeof v !== "string") return { refused: `password_hash: ${key} is not a string` };
  for (const [key, v] of Object.entries({ rounds, mem_cost }))
    if (v !== undefined && !Number.isSafeInteger(v))
      return { refused: `password_hash: ${key} is not a whole number` };
  const encoded = firebaseScryptString(
    {
      hash,
      salt,
      signer_key: signer_key as string | undefined,
      salt_separator: salt_separator as string | undefined,
      rounds: rounds as number | undefined,
      mem_cost: mem_cost as number | undefined,
    },
    firebase,
  );
  return typeof encoded === "string" ? { hash: encoded } : { refused: `password_hash: ${encoded.refused}` };
}

/**
 * Reads one line of a users file. Types are checked here; the values (username,
 * email, name, the hash's format) by `createUser`, as for `user create`. Never quotes
 * the line: a refusal names the field and the rule.
 */
export function readUserLine(text: string, firebase: Partial<FirebaseHashConfig> = {}): ReadLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { refused: "not JSON: each line is one JSON object" };
  }
  if (!isObject(value)) return { refused: "not a JSON object: each line is one JSON object" };
  const username = typeof value.username === "string" ? value.username : undefined;
  const problem = typeProblem(value);
  if (problem) return { refused: problem, ...(username ? { username } : {}) };
  const hash = passwordHash(value.password_hash, firebase);
  if (hash.refused) return { refused: hash.refused, ...(username ? { username } : {}) };
  return {
    user: {
      username: value.username as string,
      ...(hash.hash !== undefined ? { passwordHash: hash.hash } : {}),
      name: optional(value.name as string | null | undefined),
      email: optional(value.email as string | null | undefined),
      emailVerified: value.email_verified === true,
      tenant: optional(value.tenant as string | null | undefined),
      roles: (value.roles as string[] | undefined) ?? [],
      disabled: value.disabled === true,
    },
  };
}

/** A user as one line of the file (no id, no secret but the hash). */
export function userLine(user: UserRecord): UserLine {
  return {
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    roles: user.roles,
    tenant: user.tenant,
    disabled: user.disabled,
    password_hash: user.passwordHash,
  };
}
