import { AUTHORIZATION_CHECKS, auditAuthorization } from "./authorization.js";
import { type Check, type CheckSpec, skipAll } from "./check.js";
import { auditDiscovery, DISCOVERY_CHECKS } from "./discovery.js";
import { auditJwks, JWKS_CHECKS } from "./jwks.js";
import { endpointUrls } from "./metadata.js";
import { ProbeError, Prober } from "./probe.js";
import { auditRefresh, REFRESH_CHECKS } from "./refresh.js";
import { auditSignInPage, SIGN_IN_CHECKS } from "./sign-in-page.js";
import { auditTls, TLS_CHECKS } from "./tls.js";
import { auditTokenEndpoint, type ClientCredentials, TOKEN_CHECKS } from "./token-endpoint.js";

export interface AuditOptions {
  /** The issuer identifier, exactly as its metadata should name it. */
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  /** A redirect URI registered for the client. */
  redirectUri?: string;
}

/** Every check the audit reports, in its order (docs/audit.md lists them all). */
export const ALL_CHECKS = [
  ...DISCOVERY_CHECKS,
  ...JWKS_CHECKS,
  ...AUTHORIZATION_CHECKS,
  ...SIGN_IN_CHECKS,
  ...TOKEN_CHECKS,
  ...REFRESH_CHECKS,
  ...TLS_CHECKS,
];

/** What `frontdesk audit --json` prints. */
export interface AuditReport {
  target: string;
  checks: Check[];
}

/** A group whose requests could not be made (refused, timed out) is skipped whole, with why. */
async function orSkip(specs: readonly CheckSpec[], group: () => Promise<Check[]>): Promise<Check[]> {
  try {
    return await group();
  } catch (error) {
    if (error instanceof ProbeError) return skipAll(specs, error.message);
    throw error;
  }
}

/**
 * Audits any OAuth 2.0 authorization server or OpenID provider over HTTP: its
 * metadata, keys, authorization endpoint, sign-in page, token endpoint, refresh
 * tokens and TLS. A handful of requests, one at a time, only to the issuer and the
 * endpoints its metadata names; no password is ever tried.
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport & { requests: number }> {
  const { issuer } = options;
  const prober = new Prober(issuer);
  const discovery = await auditDiscovery(prober, issuer);
  const checks = [...discovery.checks];
  const { metadata } = discovery;
  if (!metadata) {
    const why = "no metadata: the endpoints are unknown";
    checks.push(
      ...skipAll(
        [...JWKS_CHECKS, ...AUTHORIZATION_CHECKS, ...SIGN_IN_CHECKS, ...TOKEN_CHECKS, ...REFRESH_CHECKS],
        why,
      ),
    );
  } else {
    for (const url of endpointUrls(metadata).values()) prober.allow(url);
    const client: ClientCredentials | undefined =
      options.clientId !== undefined && options.clientSecret !== undefined
        ? { id: options.clientId, secret: options.clientSecret }
        : undefined;
    const confidential = client !== undefined;
    const registered = {
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.redirectUri !== undefined ? { redirectUri: options.redirectUri } : {}),
    };
    checks.push(...(await auditJwks(prober, metadata)));
    checks.push(
      ...(await orSkip(AUTHORIZATION_CHECKS, () =>
        auditAuthorization(prober, { issuer, metadata, confidential, ...registered }),
      )),
    );
    checks.push(
      ...(await orSkip(SIGN_IN_CHECKS, () => auditSignInPage(prober, { metadata, ...registered }))),
    );
    const token = await auditTokenEndpoint(prober, { issuer, metadata, ...(client ? { client } : {}) });
    checks.push(...token.checks);
    checks.push(
      ...(await auditRefresh(
        prober,
        { metadata, confidential, ...(client ? { client } : {}) },
        token.refresh,
      )),
    );
  }
  checks.push(...(await auditTls(issuer, discovery.headers)));
  return { target: issuer, checks, requests: prober.requests };
}
