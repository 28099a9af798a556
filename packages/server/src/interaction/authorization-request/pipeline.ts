import { OAuthError } from "../../errors/oauth-errors.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import { insertNamed } from "../compose.js";
import {
  type AuthorizationDraft,
  type AuthorizationRequest,
  type AuthorizationStep,
  type AuthorizationStepDeps,
  type AuthorizationStepInsertion,
  type RequestSource,
  ReturnableError,
} from "./types.js";

/** Places features' steps before the core step they name. */
export function composeSteps(
  core: readonly AuthorizationStep[],
  insertions: readonly AuthorizationStepInsertion[],
): AuthorizationStep[] {
  return insertNamed(
    "authorization step",
    core,
    insertions.map(({ step, before }) => ({ item: step, before })),
  );
}

/**
 * Whether the client asked for no interaction (`prompt=none`), read leniently from the
 * parameters as a source left them (query, form, later a pushed request or request
 * object): even a malformed `prompt` that says `none` means "answer at once".
 */
function asksSilence(draft: AuthorizationDraft): boolean {
  return (draft.params.prompt ?? []).some((value) => value.split(" ").includes("none"));
}

/**
 * Runs the steps in order. An OAuth error once the redirect URI is verified goes back
 * to the client (ReturnableError); before that, steps throw UnreturnableError (error page).
 */
export async function validateAuthorizationRequest(
  steps: readonly AuthorizationStep[],
  deps: AuthorizationStepDeps,
  source: RequestSource,
): Promise<{ client: ClientRecord; request: AuthorizationRequest }> {
  const draft: AuthorizationDraft = { params: Object.create(null), state: null, request: {} };
  for (const step of steps) {
    try {
      await step.run(draft, deps, source);
    } catch (error) {
      if (error instanceof OAuthError && draft.client && draft.redirectUri !== undefined)
        throw new ReturnableError(error, draft.client, draft.redirectUri, draft.state, asksSilence(draft));
      throw error;
    }
  }
  if (!draft.client || draft.redirectUri === undefined)
    throw new Error("authorization steps ended without a client and redirect URI");
  return { client: draft.client, request: draft.request as AuthorizationRequest };
}
