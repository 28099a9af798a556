import { bearerChallenge } from "./challenge.js";
import { InsufficientScope, InvalidToken, type OAuthError } from "./oauth-errors.js";

export interface SerializedError {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description?: string };
}

/** The one serializer for every OAuth error response. */
export function serializeOAuthError(error: OAuthError, realm = "frontdesk"): SerializedError {
  const headers: Record<string, string> = { "cache-control": "no-store", ...error.headers };
  const description = error.expose ? error.description : undefined;
  // A refusal that already names its scheme (a DPoP challenge) keeps it.
  const challenged = headers["www-authenticate"] !== undefined;
  if (!challenged && (error instanceof InvalidToken || error instanceof InsufficientScope)) {
    headers["www-authenticate"] = bearerChallenge({
      realm,
      error: error.code,
      error_description: description,
      scope: error instanceof InsufficientScope ? error.requiredScope : undefined,
    });
  }
  const body: SerializedError["body"] = { error: error.code };
  if (description) body.error_description = description;
  return { status: error.status, headers, body };
}
