import { InvalidRequest } from "../errors/oauth-errors.js";

export type Prompt = "none" | "login" | "consent";

/** The `prompt` values accepted (OIDC Core 3.1.2.1), as discovery lists them. */
export const PROMPT_VALUES = ["none", "login", "consent", "select_account"] as const;

/**
 * OIDC Core 3.1.2.1 `prompt`. A browser holds one session, so choosing an account is
 * signing in with it: `select_account` shows the sign-in page, as `login` does.
 */
export function parsePrompt(value: string | undefined): Prompt[] {
  const values = (value ?? "").split(" ").filter(Boolean);
  for (const v of values)
    if (!(PROMPT_VALUES as readonly string[]).includes(v))
      throw new InvalidRequest(`unsupported prompt "${v}"`);
  if (values.includes("none") && values.length > 1) throw new InvalidRequest("prompt=none must be alone");
  const prompts = values.map((v) => (v === "select_account" ? "login" : v) as Prompt);
  return [...new Set(prompts)];
}
