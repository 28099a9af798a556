import { InvalidRequest } from "../errors/oauth-errors.js";

export type Prompt = "none" | "login" | "consent";

/** OIDC Core 3.1.2.1 `prompt`: `select_account` is accepted and has no effect (one account per browser). */
export function parsePrompt(value: string | undefined): Prompt[] {
  const values = (value ?? "").split(" ").filter(Boolean);
  for (const v of values)
    if (!["none", "login", "consent", "select_account"].includes(v))
      throw new InvalidRequest(`unsupported prompt "${v}"`);
  if (values.includes("none") && values.length > 1) throw new InvalidRequest("prompt=none must be alone");
  return values.filter((v): v is Prompt => v !== "select_account");
}
