import { type Check, type CheckSpec, fail, pass, skip, skipAll } from "./check.js";
import { type Metadata, stringField, stringList } from "./metadata.js";
import { hasNoStore, jsonObject, ProbeError, type Prober } from "./probe.js";
import { decodeToken, lintToken, TOKEN_LINT_CHECKS, TokenFormatError } from "./token-lint.js";
import { type Verification, verifyWithIssuer } from "./verify.js";

const NO_STORE: CheckSpec = {
  id: "token.no-store",
  title: "Token responses say `Cache-Control: no-store`",
  reference: "RFC 6749 §5.1",
};
const SIGNATURE: CheckSpec = {
  id: "token.signature",
  title: "The access token verifies with the published keys",
  reference: "RFC 9068 §4; RFC 8725 §3.1",
};
export const TOKEN_CHECKS = [NO_STORE, SIGNATURE, ...TOKEN_LINT_CHECKS];

export interface ClientCredentials {
  id: string;
  secret: string;
}

/** client_secret_basic unless the server only takes client_secret_post (RFC 6749 §2.3.1). */
export function clientAuthentication(
  metadata: Metadata,
  client: ClientCredentials,
): { headers: Record<string, string>; form: Record<string, string> } {
  const methods = stringList(metadata, "token_endpoint_auth_methods_supported") ?? ["client_secret_basic"];
  if (!methods.includes("client_secret_basic") && methods.includes("client_secret_post"))
    return { headers: {}, form: { client_id: client.id, client_secret: client.secret } };
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  const basic = Buffer.from(`${encode(client.id)}:${encode(client.secret)}`).toString("base64");
  return { headers: { authorization: `Basic ${basic}` }, form: {} };
}

/** A token response: its body and whether it said no-store. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
  cacheControl: string | null;
}

export async function requestToken(
  prober: Prober,
  endpoint: string,
  metadata: Metadata,
  client: ClientCredentials,
  form: Record<string, string>,
): Promise<TokenAnswer> {
  const auth = clientAuthentication(metadata, client);
  const answer = await prober.postForm(endpoint, { ...form, ...auth.form }, auth.headers);
  return {
    status: answer.status,
    body: jsonObject(answer),
    cacheControl: answer.headers.get("cache-control"),
  };
}

export function noStoreCheck(cacheControl: string | null, spec = NO_STORE): Check {
  return hasNoStore(cacheControl)
    ? pass(spec, `Cache-Control: ${cacheControl}`)
    : fail(
        spec,
        `${cacheControl ? `Cache-Control: ${cacheControl}` : "no Cache-Control"}: caches may keep the tokens`,
      );
}

export interface TokenTarget {
  issuer: string;
  metadata: Metadata;
  client?: ClientCredentials;
}

/** A refresh token for the refresh checks, or why there is none. */
export type RefreshSource = { token: string } | { missing: string };

export interface TokenEndpointAudit {
  checks: Check[];
  /** What the client credentials grant handed out for the refresh checks. */
  refresh: RefreshSource;
}

/** Every token check skipped for one reason, which is also why there is no refresh token. */
const skippedAll = (why: string): TokenEndpointAudit => ({
  checks: skipAll(TOKEN_CHECKS, why),
  refresh: { missing: why },
});

function describeRefusal(answer: TokenAnswer): string {
  const error = answer.body?.error;
  const description = answer.body?.error_description;
  return `HTTP ${answer.status}${typeof error === "string" ? ` ${error}` : ""}${typeof description === "string" ? ` (${description})` : ""}`;
}

/** A token the audit cannot check (a shared secret, keys it could not read) is a skip, not a failure. */
function signatureCheck(verification: Verification): Check {
  if (verification.status === "verified") return pass(SIGNATURE, verification.reason);
  if (verification.code === "symmetric_alg" || verification.code === "keys_unavailable")
    return skip(SIGNATURE, verification.reason);
  return fail(SIGNATURE, verification.reason);
}

/** Obtains one access token with the client credentials grant and runs the token checklist on it. */
export async function auditTokenEndpoint(prober: Prober, target: TokenTarget): Promise<TokenEndpointAudit> {
  const endpoint = stringField(target.metadata, "token_endpoint");
  if (!endpoint) return skippedAll("the metadata names no token_endpoint");
  if (!target.client)
    return skippedAll("needs --client-id and --client-secret-stdin (a client allowed client_credentials)");
  let answer: TokenAnswer;
  try {
    answer = await requestToken(prober, endpoint, target.metadata, target.client, {
      grant_type: "client_credentials",
    });
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return skippedAll(error.message);
  }
  const accessToken = answer.body?.access_token;
  if (answer.status !== 200 || typeof accessToken !== "string")
    return skippedAll(`the client credentials grant was refused: ${describeRefusal(answer)}`);
  const refresh: RefreshSource =
    typeof answer.body?.refresh_token === "string"
      ? { token: answer.body.refresh_token }
      : {
          missing:
            "the client credentials grant gave no refresh token, and the audit never signs a person in",
        };
  const checks = [noStoreCheck(answer.cacheControl)];
  let decoded: ReturnType<typeof decodeToken>;
  try {
    decoded = decodeToken(accessToken);
  } catch (error) {
    if (!(error instanceof TokenFormatError)) throw error;
    const why = `the access token is opaque (${error.message}): there is nothing in it to read`;
    return { checks: [...checks, ...skipAll([SIGNATURE, ...TOKEN_LINT_CHECKS], why)], refresh };
  }
  const jwksUri = stringField(target.metadata, "jwks_uri");
  const verification = await verifyWithIssuer(accessToken, {
    issuer: target.issuer,
    prober,
    ...(jwksUri ? { jwksUri } : {}),
  });
  checks.push(signatureCheck(verification));
  const expiresIn = typeof answer.body?.expires_in === "number" ? answer.body.expires_in : undefined;
  checks.push(
    ...lintToken(decoded, { issuer: target.issuer, ...(expiresIn !== undefined ? { expiresIn } : {}) }),
  );
  return { checks, refresh };
}
