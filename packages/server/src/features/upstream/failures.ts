import { errors as joseErrors } from "jose";
import { OutboundError } from "../../outbound/fetch.js";
import { UpstreamRefused } from "./exchange.js";
import { openidClientIfLoaded } from "./openid-client.js";

/** What a person is told, and the status of the page, per kind of failure. */
export const FAILURES: Record<
  UpstreamRefused["reason"],
  { status: number; message: (name: string) => string }
> = {
  access_denied: {
    status: 403,
    message: (name) =>
      `The sign-in was cancelled at ${name}, or ${name} did not allow it. Nothing was changed.`,
  },
  provider_error: {
    status: 502,
    message: (name) => `${name} answered with an error, so you are not signed in. Nothing was changed.`,
  },
  invalid_response: {
    status: 502,
    message: (name) =>
      `${name}'s answer could not be verified, so you are not signed in. Nothing was changed.`,
  },
  unavailable: {
    status: 502,
    message: (name) => `${name} could not be reached or did not answer in time. Nothing was changed.`,
  },
};

/** Sorts what went wrong at the provider; anything else is a defect and is thrown on. */
export function classifyFailure(error: unknown): UpstreamRefused {
  if (error instanceof UpstreamRefused) return error;
  const oidc = openidClientIfLoaded();
  if (oidc && error instanceof oidc.AuthorizationResponseError)
    return new UpstreamRefused(
      error.error === "access_denied" ? "access_denied" : "provider_error",
      error.message,
      {
        error: error.error,
        ...(error.error_description ? { error_description: error.error_description } : {}),
      },
    );
  if (oidc && error instanceof oidc.ResponseBodyError)
    return new UpstreamRefused("provider_error", error.message, {
      error: error.error,
      ...(error.error_description ? { error_description: error.error_description } : {}),
    });
  const network = networkFailure(error);
  if (network) return network;
  if (
    (oidc && error instanceof oidc.ClientError) ||
    error instanceof joseErrors.JOSEError ||
    (oidc && error instanceof oidc.WWWAuthenticateChallengeError)
  )
    return new UpstreamRefused("invalid_response", (error as Error).message);
  throw error;
}

/** A timeout or an unreachable provider, anywhere in the error's chain of causes. */
function networkFailure(error: unknown): UpstreamRefused | undefined {
  let at = error;
  for (let depth = 0; at && depth < 5; depth++, at = (at as { cause?: unknown }).cause) {
    if (at instanceof OutboundError) return outboundFailure(at);
    const name = (at as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError")
      return new UpstreamRefused("unavailable", "the provider did not answer in time");
    if (at instanceof TypeError && /fetch failed/.test(at.message))
      return new UpstreamRefused(
        "unavailable",
        `the provider could not be reached (${(at.cause as Error | undefined)?.message ?? "network error"})`,
      );
  }
  return undefined;
}

/** The outbound guard refused or gave up: a provider at an internal address is "unreachable" to the person, named in the log. */
function outboundFailure(error: OutboundError): UpstreamRefused {
  switch (error.code) {
    case "ERR_OUTBOUND_TIMEOUT":
      return new UpstreamRefused("unavailable", "the provider did not answer in time");
    case "ERR_OUTBOUND_TOO_LARGE":
      return new UpstreamRefused("invalid_response", `the provider's answer is too large (${error.message})`);
    case "ERR_OUTBOUND_BLOCKED":
      return new UpstreamRefused("unavailable", `the provider's address is not allowed: ${error.message}`);
    default:
      return new UpstreamRefused("unavailable", `the provider could not be reached (${error.message})`);
  }
}
