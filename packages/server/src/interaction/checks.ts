import {
  ConsentRequired,
  InteractionRequired,
  LoginRequired,
  type OAuthError,
} from "../errors/oauth-errors.js";
import type { Session } from "../sessions/sessions.js";
import type { ClientRecord, UserRecord } from "../storage/durable/types.js";
import { insertNamed } from "./compose.js";
import type { Interaction } from "./interactions.js";

/** A page the person must pass through, and the error a silent request (`prompt=none`) gets instead. */
export interface PromptPage {
  name: string;
  /** Local path of the page; the interaction id is added as `?request=`. */
  path: string;
  silentError(): OAuthError;
}

export const LOGIN: PromptPage = {
  name: "login",
  path: "/login",
  silentError: () => new LoginRequired("the user is not signed in"),
};

export const CONSENT: PromptPage = {
  name: "consent",
  path: "/consent",
  silentError: () => new ConsentRequired("the user has not granted this access"),
};

/** A page a feature adds (second factor, organization choice): silent requests get interaction_required. */
export function promptPage(name: string, path: string): PromptPage {
  return { name, path, silentError: () => new InteractionRequired(`${name} is required`) };
}

/** Everything a check may look at, gathered before any check runs: checks are pure. */
export interface InteractionFacts {
  interaction: Interaction;
  client: ClientRecord;
  session: Session | undefined;
  user: UserRecord | undefined;
  /** Scopes the user has already granted this client (empty when none or not signed in). */
  grantedScopes: readonly string[];
  /** The person just answered the consent page for this interaction. */
  consentJustGiven: boolean;
  now: number;
}

/** What a check decides: nothing to object, a page to show, or an error for the client. */
export type CheckResult = undefined | { prompt: PromptPage; reason: string } | { error: OAuthError };

/** One named, pure check of the sign-in and consent policy. */
export interface InteractionCheck {
  name: string;
  check(facts: InteractionFacts): CheckResult;
}

/** A feature's check, placed before a named core check (or at the end). */
export interface InteractionCheckInsertion {
  check: InteractionCheck;
  before?: string;
}

const ask = (prompt: PromptPage, reason: string): CheckResult => ({ prompt, reason });

/** A sign-in completed for this very interaction is always fresh enough. */
const signedInHere = (f: InteractionFacts) =>
  f.session !== undefined && f.interaction.loginSid === f.session.sid;

export const noSession: InteractionCheck = {
  name: "no_session",
  check: (f) => (!f.session || !f.user || f.user.disabled ? ask(LOGIN, "no_session") : undefined),
};

export const loginPrompt: InteractionCheck = {
  name: "login_prompt",
  check: (f) =>
    f.interaction.request.prompt.includes("login") && !signedInHere(f)
      ? ask(LOGIN, "login_prompt")
      : undefined,
};

/** Whole seconds, conservatively: a session from the same second as the request is not "after" it. */
export const maxAge: InteractionCheck = {
  name: "max_age",
  check: (f) => {
    const { maxAge: limit } = f.interaction.request;
    if (limit === null || signedInHere(f) || !f.session) return undefined;
    return f.now - f.session.authTime >= limit ? ask(LOGIN, "max_age") : undefined;
  },
};

export const consentPrompt: InteractionCheck = {
  name: "consent_prompt",
  check: (f) =>
    f.interaction.request.prompt.includes("consent") && !f.client.firstParty && !f.consentJustGiven
      ? ask(CONSENT, "consent_prompt")
      : undefined,
};

export const consentNeeded: InteractionCheck = {
  name: "consent_needed",
  check: (f) => {
    if (f.client.firstParty || f.consentJustGiven) return undefined;
    const granted = new Set(f.grantedScopes);
    return f.interaction.request.scopes.every((s) => granted.has(s))
      ? undefined
      : ask(CONSENT, "consent_needed");
  },
};

/** The core policy, in order: who is signed in, how recently, then consent. */
export const coreInteractionChecks: readonly InteractionCheck[] = [
  noSession,
  loginPrompt,
  maxAge,
  consentPrompt,
  consentNeeded,
];

export function composeChecks(
  core: readonly InteractionCheck[],
  insertions: readonly InteractionCheckInsertion[],
): InteractionCheck[] {
  return insertNamed(
    "check",
    core,
    insertions.map(({ check, before }) => ({ item: check, before })),
  );
}

/** What happens next: a page, an error for the client, or completion (the checks all passed). */
export type Decision =
  | { next: "prompt"; prompt: PromptPage; reason: string; check: string }
  | { next: "error"; error: OAuthError; check: string }
  | { next: "complete"; session: Session };

/** Runs the checks in order; the first objection decides. `prompt=none` turns a page into its error. */
export function decide(checks: readonly InteractionCheck[], facts: InteractionFacts): Decision {
  for (const { name, check } of checks) {
    const result = check(facts);
    if (!result) continue;
    if ("error" in result) return { next: "error", error: result.error, check: name };
    if (facts.interaction.request.prompt.includes("none"))
      return { next: "error", error: result.prompt.silentError(), check: name };
    return { next: "prompt", prompt: result.prompt, reason: result.reason, check: name };
  }
  if (!facts.session) throw new Error("interaction checks passed without a session");
  return { next: "complete", session: facts.session };
}
