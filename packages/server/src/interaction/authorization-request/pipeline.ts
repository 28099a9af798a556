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
      if (error instanceof OAuthError && draft.redirectUri !== undefined)
        throw new ReturnableError(error, draft.redirectUri, draft.state);
      throw error;
    }
  }
  if (!draft.client || draft.redirectUri === undefined)
    throw new Error("authorization steps ended without a client and redirect URI");
  return { client: draft.client, request: draft.request as AuthorizationRequest };
}
