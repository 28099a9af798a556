import { COMMON_PASSWORDS_TEXT } from "./common-passwords.js";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.js";

let common: ReadonlySet<string> | undefined;

/** Whether the password is on the shipped list of the most common passwords (any letter case). */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(COMMON_PASSWORDS_TEXT.split("\n"));
  return common.has(password.toLowerCase());
}

/** A new password, as a person typed it twice, and what it must not be. */
export interface NewPasswordInput {
  password: string | undefined;
  confirmation: string | undefined;
  /** The account's username: a password equal to it is refused. */
  username?: string;
}

/**
 * The rules for a password a person chooses (registration, reset, change,
 * invitation), NIST SP 800-63B 3.1.1.2 style: a length range, no composition rules,
 * not on the list of common passwords, not the username. Returns what is wrong, in
 * words for the person, or undefined when the password is acceptable.
 */
export function newPasswordProblem(input: NewPasswordInput): string | undefined {
  const { password, confirmation } = input;
  if (!password) return "Choose a password.";
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (password !== confirmation) return "The two passwords are not the same.";
  if (isCommonPassword(password))
    return "That password is one of the most common passwords, the first ones anyone guesses. Choose another.";
  if (input.username && password.toLowerCase() === input.username.toLowerCase())
    return "Choose a password that is not your username.";
  return undefined;
}
