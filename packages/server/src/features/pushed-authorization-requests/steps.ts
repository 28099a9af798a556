import { InvalidRequest, InvalidRequestUri } from "../../errors/oauth-errors.js";
import {
  paramBeforeRedirect as param,
  referencingClientId,
} from "../../interaction/authorization-request/references.js";
import {
  type AuthorizationStep,
  type AuthorizationStepInsertion,
  UnreturnableError,
} from "../../interaction/authorization-request/types.js";
import { isOwnRequestUri, type PushedRequests } from "./store.js";

/** Names of this feature's steps: the push endpoint runs every other step. */
export const PUSHED_STEP_NAMES = new Set(["pushed_request", "pushed_request_required", "pushed_request_use"]);

/**
 * `/authorize?client_id&request_uri` with one of this server's request_uris: the pushed
 * parameters replace the query's (RFC 9126 4). Nothing is used up here; the last step does.
 * Runs before the redirect URI is known, so its errors are error pages naming the code.
 */
function pushedRequestStep(store: PushedRequests): AuthorizationStep {
  return {
    name: "pushed_request",
    async run(draft) {
      const requestUri = param(draft.params, "request_uri");
      if (requestUri === undefined || !isOwnRequestUri(requestUri)) return;
      const clientId = referencingClientId(draft.params);
      const pushed = await store.peek(requestUri);
      if (!pushed || pushed.clientId !== clientId)
        throw new UnreturnableError(
          "This sign-in link has expired or was already used. Go back to the application and try again.",
          new InvalidRequestUri("the request_uri is unknown, expired, used, or another client's"),
        );
      draft.params = pushed.params;
      draft.pushedRequestUri = requestUri;
    },
  };
}

/** RFC 9126 5, 6: a client (or the whole server) that requires pushed requests gets nothing else. */
function pushedRequestRequiredStep(requiredServerWide: boolean): AuthorizationStep {
  return {
    name: "pushed_request_required",
    run(draft) {
      if (draft.pushedRequestUri !== undefined) return;
      if (requiredServerWide || draft.client?.metadata.requirePushedAuthorizationRequests === true)
        throw new InvalidRequest("pushed authorization requests are required: push the request to /par");
    },
  };
}

/** Once every step accepted the request, its request_uri is used up (atomically: once). */
function pushedRequestUseStep(store: PushedRequests): AuthorizationStep {
  return {
    name: "pushed_request_use",
    async run(draft) {
      if (draft.pushedRequestUri === undefined) return;
      if (!(await store.consume(draft.pushedRequestUri)))
        throw new InvalidRequestUri("the request_uri was already used");
    },
  };
}

/** The feature's steps, each placed: replace the parameters first, check the requirement, use up last. */
export function pushedRequestSteps(store: PushedRequests, required: boolean): AuthorizationStepInsertion[] {
  return [
    { step: pushedRequestStep(store), before: "client" },
    { step: pushedRequestRequiredStep(required), before: "response_type" },
    { step: pushedRequestUseStep(store) },
  ];
}
