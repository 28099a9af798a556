import { InvalidClientMetadata } from "../../clients/registration.js";
import {
  InvalidClientMetadataError,
  InvalidRedirectUri,
  type OAuthError,
} from "../../errors/oauth-errors.js";

/** The RFC 7591 error for a refused registration, its description naming the field. */
export function registrationError(error: InvalidClientMetadata): OAuthError {
  const named =
    error.field && !error.message.startsWith(`${error.field}:`)
      ? `${error.field}: ${error.message}`
      : error.message;
  return error.code === "invalid_redirect_uri"
    ? new InvalidRedirectUri(named)
    : new InvalidClientMetadataError(named);
}

/** Runs `action`, turning a refused registration into its OAuth error. */
export async function asRegistrationErrors<T>(action: () => Promise<T> | T): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof InvalidClientMetadata) throw registrationError(error);
    throw error;
  }
}
