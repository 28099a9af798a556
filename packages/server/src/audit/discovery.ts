import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";
import {
  endpointUrls,
  issuesAccessTokenInUrl,
  type Metadata,
  stringList,
  wellKnownUrls,
} from "./metadata.js";
import { isLoopbackHost, jsonObject, ProbeError, type Prober } from "./probe.js";

const METADATA: CheckSpec = {
  id: "discovery.metadata",
  title: "Metadata at both well-known addresses",
  reference: "RFC 8414 §3; OpenID Connect Discovery 1.0 §4",
};
const ISSUER: CheckSpec = {
  id: "discovery.issuer",
  title: "The metadata names the issuer it was fetched for",
  reference: "RFC 8414 §3.3; OpenID Connect Discovery 1.0 §4.3",
};
const RESPONSE_TYPES: CheckSpec = {
  id: "discovery.response-types",
  title: "No implicit or hybrid response types",
  reference: "RFC 9700 §2.1.2",
};
const ALG_NONE: CheckSpec = {
  id: "discovery.alg-none",
  title: "`none` is not a signing algorithm",
  reference: "RFC 8725 §3.2",
};
const PKCE: CheckSpec = {
  id: "discovery.pkce",
  title: "PKCE with S256 advertised",
  reference: "RFC 9700 §2.1.1; RFC 8414 §2",
};
const PKCE_PLAIN: CheckSpec = {
  id: "discovery.pkce-plain",
  title: "`plain` PKCE not offered",
  reference: "RFC 9700 §2.1.1; RFC 7636 §4.2",
};
const ISS_PARAMETER: CheckSpec = {
  id: "discovery.iss-parameter",
  title: "Authorization responses carry `iss` (mix-up defence)",
  reference: "RFC 9207 §3; RFC 9700 §4.4.2",
};
const REQUEST_URI: CheckSpec = {
  id: "discovery.request-uri",
  title: "No fetching of arbitrary `request_uri` URLs",
  reference: "RFC 9101 §10.4.1; OpenID Connect Discovery 1.0 §3",
};
const HTTPS: CheckSpec = {
  id: "discovery.https",
  title: "Every endpoint is https",
  reference: "RFC 8414 §2; RFC 6749 §3.1, §3.2",
};
const AFTER_METADATA = [
  ISSUER,
  RESPONSE_TYPES,
  ALG_NONE,
  PKCE,
  PKCE_PLAIN,
  ISS_PARAMETER,
  REQUEST_URI,
  HTTPS,
];
export const DISCOVERY_CHECKS = [METADATA, ...AFTER_METADATA];

/** One well-known address and what it answered. */
interface WellKnown {
  url: string;
  document?: Metadata;
  problem?: string;
}

export interface Discovery {
  /** OpenID Connect's document when there is one, else RFC 8414's: what the rest of the audit reads. */
  metadata?: Metadata;
  /** Whether an OpenID Connect discovery document was found (its defaults apply). */
  openid: boolean;
  /** Headers of the first metadata answer (TLS checks read HSTS from it). */
  headers?: Headers;
  checks: Check[];
}

async function fetchWellKnown(prober: Prober, url: string): Promise<WellKnown & { headers?: Headers }> {
  try {
    const answer = await prober.get(url, { accept: "application/json" });
    if (answer.status !== 200) return { url, problem: `HTTP ${answer.status}` };
    const document = jsonObject(answer);
    if (!document) return { url, problem: "not a JSON object" };
    return { url, document, headers: answer.headers };
  } catch (error) {
    if (error instanceof ProbeError) return { url, problem: error.message };
    throw error;
  }
}

function metadataCheck(openid: WellKnown, oauth: WellKnown): Check {
  const found = [openid, oauth].filter((w) => w.document);
  const missing = [openid, oauth].filter((w) => !w.document).map((w) => `${w.url} (${w.problem})`);
  if (found.length === 2) return pass(METADATA, `${openid.url} and ${oauth.url}`);
  if (found.length === 1)
    return warn(
      METADATA,
      `found ${found[0]?.url}; nothing at ${missing.join(", ")}: clients that use the other discovery find no metadata`,
    );
  return fail(METADATA, `no metadata: ${missing.join("; ")}`);
}

function issuerCheck(issuer: string, documents: WellKnown[]): Check {
  const wrong = documents.filter((w) => w.document?.issuer !== issuer);
  if (wrong.length === 0) return pass(ISSUER, `issuer is ${JSON.stringify(issuer)} in each document`);
  const named = wrong.map((w) => `${w.url} says ${JSON.stringify(w.document?.issuer)}`).join("; ");
  return fail(
    ISSUER,
    `audited ${JSON.stringify(issuer)}, but ${named}: clients must refuse metadata whose issuer differs`,
  );
}

function responseTypesCheck(metadata: Metadata): Check {
  const types = stringList(metadata, "response_types_supported");
  if (!types) return warn(RESPONSE_TYPES, "response_types_supported is missing (it is REQUIRED)");
  const withToken = types.filter(issuesAccessTokenInUrl);
  if (withToken.length > 0)
    return fail(
      RESPONSE_TYPES,
      `${withToken.map((t) => JSON.stringify(t)).join(", ")} put access tokens in the redirect URL, where they leak (history, Referer, logs)`,
    );
  if (types.includes("id_token"))
    return warn(
      RESPONSE_TYPES,
      `"id_token" (implicit) puts ID tokens in the redirect URL; offered: ${types.join(", ")}`,
    );
  return pass(RESPONSE_TYPES, `offered: ${types.join(", ")}`);
}

function algNoneCheck(metadata: Metadata): Check {
  const lists = Object.keys(metadata).filter((key) => key.endsWith("_signing_alg_values_supported"));
  if (lists.length === 0) return skip(ALG_NONE, "the metadata lists no signing algorithms");
  const withNone = lists.filter((key) => stringList(metadata, key)?.includes("none"));
  if (withNone.length > 0)
    return fail(ALG_NONE, `${withNone.join(", ")} include "none": unsigned tokens or requests are accepted`);
  return pass(ALG_NONE, `not in ${lists.join(", ")}`);
}

function pkceChecks(metadata: Metadata): Check[] {
  const methods = stringList(metadata, "code_challenge_methods_supported");
  if (!methods)
    return [
      warn(PKCE, "code_challenge_methods_supported is missing: clients cannot tell that PKCE is supported"),
      skip(
        PKCE_PLAIN,
        "the metadata does not list PKCE methods (the authorization endpoint checks try plain)",
      ),
    ];
  return [
    methods.includes("S256")
      ? pass(PKCE, `code_challenge_methods_supported: ${methods.join(", ")}`)
      : fail(PKCE, `S256 is not among ${JSON.stringify(methods)}`),
    methods.includes("plain")
      ? warn(
          PKCE_PLAIN,
          "plain is offered: its verifier travels through the browser, so anyone who reads the request can redeem the code",
        )
      : pass(PKCE_PLAIN, `only ${methods.join(", ")}`),
  ];
}

function issParameterCheck(metadata: Metadata): Check {
  if (metadata.authorization_response_iss_parameter_supported === true)
    return pass(ISS_PARAMETER, "authorization_response_iss_parameter_supported: true");
  return warn(
    ISS_PARAMETER,
    "authorization_response_iss_parameter_supported is not true: clients of several servers cannot detect mix-up attacks",
  );
}

function requestUriCheck(metadata: Metadata, openid: boolean): Check {
  const value = metadata.request_uri_parameter_supported;
  // OpenID Connect Discovery: when omitted, request_uri_parameter_supported defaults to true.
  const supported = value === true || (value === undefined && openid);
  if (!supported)
    return pass(REQUEST_URI, value === false ? "request_uri_parameter_supported: false" : "not offered");
  if (metadata.require_request_uri_registration === true)
    return pass(
      REQUEST_URI,
      "request_uri values must be registered in advance (require_request_uri_registration: true)",
    );
  return warn(
    REQUEST_URI,
    `request_uri is ${value === undefined ? "supported by default (omitted)" : "supported"} without require_request_uri_registration: the server may fetch any URL a client names (SSRF)`,
  );
}

function httpsCheck(issuer: string, metadata: Metadata): Check {
  const urls = new Map([["issuer", issuer], ...endpointUrls(metadata)]);
  const plain = [...urls].filter(([, url]) => new URL(url).protocol !== "https:");
  if (plain.length === 0) return pass(HTTPS, `${urls.size} URLs, all https`);
  if (plain.length === urls.size && [...urls.values()].every((u) => isLoopbackHost(new URL(u).hostname)))
    return skip(HTTPS, "http on this machine (loopback): a development set-up; audit the deployed https URL");
  return fail(HTTPS, `not https: ${plain.map(([key, url]) => `${key} ${url}`).join(", ")}`);
}

/** Fetches both well-known documents and checks what they promise. */
export async function auditDiscovery(prober: Prober, issuer: string): Promise<Discovery> {
  const urls = wellKnownUrls(issuer);
  const openid = await fetchWellKnown(prober, urls.openid);
  const oauth = await fetchWellKnown(prober, urls.oauth);
  const first = openid.document ? openid : oauth;
  const metadata = first.document;
  const checks = [metadataCheck(openid, oauth)];
  if (!metadata) {
    checks.push(...skipAll(AFTER_METADATA, "no metadata to read"));
    return { openid: false, checks };
  }
  const isOpenid = Boolean(openid.document);
  checks.push(
    issuerCheck(
      issuer,
      [openid, oauth].filter((w) => w.document),
    ),
    responseTypesCheck(metadata),
    algNoneCheck(metadata),
    ...pkceChecks(metadata),
    issParameterCheck(metadata),
    requestUriCheck(metadata, isOpenid),
    httpsCheck(issuer, metadata),
  );
  return { metadata, openid: isOpenid, ...(first.headers ? { headers: first.headers } : {}), checks };
}
