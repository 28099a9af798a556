import {
  type AuthorizationOutcome,
  type AuthorizationParams,
  authorizationUrl,
  baseRequest,
  describeOutcome,
  outcomeOf,
  pkcePair,
} from "./authorization-request.js";
import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";
import { issuesAccessTokenInUrl, type Metadata, stringList } from "./metadata.js";
import type { Prober } from "./probe.js";

const REDIRECT_URI: CheckSpec = {
  id: "authz.redirect-uri",
  title: "No redirect to an unregistered redirect URI",
  reference: "RFC 9700 §2.1, §4.1.3; RFC 6749 §3.1.2.4",
};
const PKCE_REQUIRED: CheckSpec = {
  id: "authz.pkce-required",
  title: "A request without PKCE is refused",
  reference: "RFC 9700 §2.1.1",
};
const PKCE_PLAIN: CheckSpec = {
  id: "authz.pkce-plain",
  title: "A request with `plain` PKCE is refused",
  reference: "RFC 9700 §2.1.1; RFC 7636 §4.2",
};
const IMPLICIT: CheckSpec = {
  id: "authz.implicit",
  title: "`response_type=token` (access tokens in the URL) is refused",
  reference: "RFC 9700 §2.1.2",
};
const STATE: CheckSpec = {
  id: "authz.state",
  title: "`state` comes back unchanged",
  reference: "RFC 6749 §4.1.2",
};
const ISS: CheckSpec = {
  id: "authz.iss",
  title: "The authorization response carries `iss`",
  reference: "RFC 9207 §2; RFC 9700 §4.4.2",
};
const NEED_REDIRECT = [PKCE_REQUIRED, PKCE_PLAIN, IMPLICIT, STATE, ISS];
export const AUTHORIZATION_CHECKS = [REDIRECT_URI, ...NEED_REDIRECT];

export interface AuthorizationTarget {
  issuer: string;
  metadata: Metadata;
  clientId?: string;
  redirectUri?: string;
  /** A client secret was given: the client is confidential. */
  confidential: boolean;
}

type Verdict = "accepted" | "refused" | "unclear";

/** A host that cannot exist (RFC 6761 §6.4), so a redirect there reaches nobody. */
const FOREIGN_REDIRECT = "https://frontdesk-audit.invalid/callback";

class AuthorizationProbe {
  constructor(
    private readonly prober: Prober,
    private readonly endpoint: string,
    /** The valid request every probe starts from. */
    public base: AuthorizationParams,
  ) {}

  async send(extra: Record<string, string>, redirectUri = this.base.redirectUri) {
    const { url, state } = authorizationUrl(this.endpoint, {
      ...this.base,
      ...(redirectUri ? { redirectUri } : {}),
      extra: { prompt: "none", ...extra },
    });
    return { outcome: outcomeOf(await this.prober.get(url), redirectUri), state };
  }

  verdict(outcome: AuthorizationOutcome): Verdict {
    if (outcome.kind === "redirect-uri") return outcome.accepted ? "accepted" : "refused";
    if (outcome.kind === "page" && outcome.status >= 400) return "refused";
    return "unclear";
  }
}

const unclear = (spec: CheckSpec, outcome: AuthorizationOutcome) =>
  skip(spec, `could not tell: the server answered with ${describeOutcome(outcome)}, not at the redirect URI`);

/** Unregistered redirect URIs: another host, and (with the registered one) a path below it. */
async function redirectUriCheck(probe: AuthorizationProbe): Promise<Check> {
  const registered = probe.base.redirectUri;
  const candidates = [FOREIGN_REDIRECT];
  if (registered) {
    const below = new URL(registered);
    below.pathname = `${below.pathname.replace(/\/$/, "")}/frontdesk-audit`;
    candidates.push(below.href);
  }
  const unclearOnes: string[] = [];
  for (const candidate of candidates) {
    const { outcome } = await probe.send({}, candidate);
    if (outcome.kind === "redirect-uri")
      return fail(
        REDIRECT_URI,
        `the browser was sent to ${candidate}, which is not registered (${describeOutcome(outcome)})`,
      );
    if (probe.verdict(outcome) === "unclear") unclearOnes.push(`${candidate}: ${describeOutcome(outcome)}`);
  }
  if (unclearOnes.length > 0) return skip(REDIRECT_URI, `could not tell: ${unclearOnes.join("; ")}`);
  return pass(REDIRECT_URI, `refused without a redirect: ${candidates.join(", ")}`);
}

function pkceRequiredCheck(outcome: AuthorizationOutcome, verdict: Verdict, confidential: boolean): Check {
  if (verdict === "refused") return pass(PKCE_REQUIRED, `refused: ${describeOutcome(outcome)}`);
  if (verdict === "unclear") return unclear(PKCE_REQUIRED, outcome);
  const detail = "a request without code_challenge was accepted";
  return confidential
    ? warn(
        PKCE_REQUIRED,
        `${detail}: PKCE is RECOMMENDED for confidential clients too (and required by OAuth 2.1)`,
      )
    : fail(PKCE_REQUIRED, `${detail} for a client without a secret: public clients MUST use PKCE`);
}

function verdictCheck(
  spec: CheckSpec,
  outcome: AuthorizationOutcome,
  verdict: Verdict,
  accepted: () => Check,
) {
  if (verdict === "refused") return pass(spec, `refused: ${describeOutcome(outcome)}`);
  if (verdict === "unclear") return unclear(spec, outcome);
  return accepted();
}

async function implicitCheck(probe: AuthorizationProbe, metadata: Metadata): Promise<Check> {
  const advertised = (stringList(metadata, "response_types_supported") ?? []).filter(issuesAccessTokenInUrl);
  const types = [...new Set(["token", ...advertised])];
  const accepted: string[] = [];
  const refused: string[] = [];
  const unclearOnes: string[] = [];
  for (const responseType of types) {
    // As an implicit request is sent: no PKCE, which belongs to the code flow.
    const { outcome } = await probe.send({
      response_type: responseType,
      code_challenge: "",
      code_challenge_method: "",
    });
    const verdict = probe.verdict(outcome);
    const line = `${JSON.stringify(responseType)}: ${describeOutcome(outcome)}`;
    (verdict === "accepted" ? accepted : verdict === "refused" ? refused : unclearOnes).push(line);
  }
  if (accepted.length > 0)
    return fail(
      IMPLICIT,
      `accepted, so access tokens would travel in the redirect URL: ${accepted.join("; ")}`,
    );
  if (unclearOnes.length > 0) return skip(IMPLICIT, `could not tell: ${unclearOnes.join("; ")}`);
  return pass(IMPLICIT, `refused: ${refused.join("; ")}`);
}

function stateAndIssChecks(
  control: AuthorizationOutcome,
  sentState: string,
  target: AuthorizationTarget,
): Check[] {
  if (control.kind !== "redirect-uri")
    return skipAll([STATE, ISS], `no answer at the redirect URI to read (${describeOutcome(control)})`);
  const state = control.params.get("state");
  const stateCheck =
    state === sentState
      ? pass(STATE, "returned exactly as sent")
      : fail(STATE, state === null ? "missing from the answer" : `changed: sent ${sentState}, got ${state}`);
  const iss = control.params.get("iss");
  const advertised = target.metadata.authorization_response_iss_parameter_supported === true;
  let issCheck: Check;
  if (iss === target.issuer) issCheck = pass(ISS, `iss=${iss}`);
  else if (iss !== null) issCheck = fail(ISS, `iss=${iss}, but the issuer is ${target.issuer}`);
  else if (advertised)
    issCheck = fail(
      ISS,
      "missing, although the metadata says authorization_response_iss_parameter_supported",
    );
  else issCheck = warn(ISS, "missing: a client of several servers cannot tell which one answered (mix-up)");
  return [stateCheck, issCheck];
}

/**
 * Single GET requests to the authorization endpoint, each with `prompt=none` so an
 * accepted request comes straight back as login_required, never a sign-in; the
 * audit reads where each answer sends the browser and never follows it.
 */
export async function auditAuthorization(prober: Prober, target: AuthorizationTarget): Promise<Check[]> {
  const endpoint = target.metadata.authorization_endpoint;
  if (typeof endpoint !== "string")
    return skipAll(AUTHORIZATION_CHECKS, "the metadata names no authorization_endpoint");
  if (!target.clientId)
    return skipAll(
      AUTHORIZATION_CHECKS,
      "needs --client-id (and --redirect-uri): requests are sent for a registered client only",
    );
  const probe = new AuthorizationProbe(
    prober,
    endpoint,
    baseRequest(target.metadata, target.clientId, target.redirectUri),
  );
  const redirectCheck = await redirectUriCheck(probe);
  if (!target.redirectUri)
    return [
      redirectCheck,
      ...skipAll(NEED_REDIRECT, "needs --redirect-uri, the one registered for the client"),
    ];
  let control = await probe.send({});
  if (control.outcome.kind === "redirect-uri" && control.outcome.params.get("error") === "invalid_scope") {
    // The client may not ask for openid: the rest works without a scope.
    probe.base = { clientId: target.clientId, redirectUri: target.redirectUri };
    control = await probe.send({});
  }
  if (probe.verdict(control.outcome) === "refused")
    return [
      redirectCheck,
      ...skipAll(
        NEED_REDIRECT,
        `a valid request was refused (${describeOutcome(control.outcome)}): is ${target.redirectUri} registered for client ${target.clientId}?`,
      ),
    ];
  const noPkce = (await probe.send({ code_challenge: "", code_challenge_method: "" })).outcome;
  const { verifier } = pkcePair();
  const plain = (await probe.send({ code_challenge: verifier, code_challenge_method: "plain" })).outcome;
  return [
    redirectCheck,
    pkceRequiredCheck(noPkce, probe.verdict(noPkce), target.confidential),
    verdictCheck(PKCE_PLAIN, plain, probe.verdict(plain), () =>
      warn(
        PKCE_PLAIN,
        "accepted: a plain verifier travels through the browser, so whoever reads the request can redeem the code",
      ),
    ),
    await implicitCheck(probe, target.metadata),
    ...stateAndIssChecks(control.outcome, control.state, target),
  ];
}
