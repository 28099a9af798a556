import { errors as joseErrors } from "jose";
import * as oidc from "openid-client";
import { UpstreamRefused } from "./exchange.js";

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
  if (error instanceof oidc.AuthorizationResponseError)
    return new UpstreamRefused(
      error.error === "access_denied" ? "access_denied" : "provider_error",
      error.message,
      {
        error: error.error,
        ...(error.error_description ? { error_description: error.error_description } : {}),
      },
    );
  if (error instanceof oidc.ResponseBodyError)
    return new UpstreamRefused("provider_error", error.message, {
      error: error.error,
      ...(error.error_description ? { error_description: error.error_description } : {}),
    });
  const name = (error as { name?: string } | undefined)?.name;
  const cause = (error as { cause?: { name?: string } } | undefined)?.cause?.name;
  if (name === "TimeoutError" || name === "AbortError" || cause === "TimeoutError")
    return new UpstreamRefused("unavailable", "the provider did not answer in time");
  if (error instanceof TypeError && /fetch failed/.test(error.message))
    return new UpstreamRefused(
      "unavailable",
      `the provider could not be reached (${(error.cause as Error)?.message ?? "network"})`,
    );
  if (
    error instanceof oidc.ClientError ||
    error instanceof joseErrors.JOSEError ||
    error instanceof oidc.WWWAuthenticateChallengeError
  )
    return new UpstreamRefused("invalid_response", (error as Error).message);
  throw error;
}
