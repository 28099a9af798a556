import { describe, expect, it } from "vitest";
import { pkcePair } from "../../src/audit/authorization-request.js";
import { auditDiscovery } from "../../src/audit/discovery.js";
import { Prober } from "../../src/audit/probe.js";
import { auditRefresh } from "../../src/audit/refresh.js";
import { type AuditedProvider, bothProfiles } from "../helpers/audited-provider.js";
import { basic, postForm } from "../helpers/http.js";
import { FormBrowser, walkUpstream } from "../helpers/upstream-oidc.js";

/** A refresh token from a real code flow at the provider: its dev sign-in page, then consent. */
async function refreshTokenFrom(provider: AuditedProvider): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const url = new URL(`${provider.issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: provider.client.id,
    redirect_uri: provider.client.redirectUri,
    scope: "openid offline_access",
    prompt: "consent",
    state: "refresh-check",
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const callback = await walkUpstream(new FormBrowser(provider.issuer), url.href, "alice");
  const code = new URL(callback).searchParams.get("code") ?? "";
  const answer = await postForm(
    provider,
    "/token",
    {
      grant_type: "authorization_code",
      code,
      redirect_uri: provider.client.redirectUri,
      code_verifier: verifier,
    },
    { authorization: basic(provider.client.id, provider.client.secret) },
  );
  const token = answer.json?.refresh_token;
  if (typeof token !== "string") throw new Error(`no refresh token: ${answer.text}`);
  return token;
}

async function refreshChecks(provider: AuditedProvider) {
  const prober = new Prober(provider.issuer);
  const { metadata } = await auditDiscovery(prober, provider.issuer);
  if (!metadata) throw new Error("no metadata");
  const client = { id: provider.client.id, secret: provider.client.secret };
  const checks = await auditRefresh(
    prober,
    { metadata, client, confidential: true },
    { token: await refreshTokenFrom(provider) },
  );
  return { statuses: Object.fromEntries(checks.map((c) => [c.id, c.status])), checks };
}

// The audit itself never signs a person in: these tests hand its refresh checks a
// token from a real sign-in (plain http, so this process reaches the provider).
describe("the refresh checks against node-oidc-provider", () => {
  const providers = bothProfiles();

  it("weak (rotateRefreshToken: false): the same refresh token keeps working, a warning for a confidential client", async () => {
    const { statuses, checks } = await refreshChecks(providers.weak());
    expect(statuses).toEqual({
      "refresh.rotation": "warn",
      "refresh.reuse": "skip",
      "refresh.no-store": "pass",
    });
    expect(checks[0]?.detail).toContain("a stolen copy keeps working");
  });

  it("strong: rotated on use, and the old refresh token refused", async () => {
    const { statuses, checks } = await refreshChecks(providers.strong());
    expect(statuses).toEqual({
      "refresh.rotation": "pass",
      "refresh.reuse": "pass",
      "refresh.no-store": "pass",
    });
    expect(checks[1]?.detail).toContain("invalid_grant");
  });
});
