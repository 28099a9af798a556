import {
  assertAuthentication,
  createVerifier,
  errorResponse,
  FRONTDESK_ACR,
  type Verifier,
} from "@frontdesk/guard";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { beginAuthorization, introspect, onServer, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import {
  awayFromStepEdge,
  codeAt,
  enrolFromAccount,
  enrolledPerson,
  person,
  signedIn,
} from "../one-time-codes/helpers.js";

/**
 * Step-up from an application end to end: an API (the guard) refuses a password-only
 * token with the RFC 9470 challenge, the application sends the person back with the
 * challenge's acr_values and max_age, openid-client checks the answer (auth_time within
 * max_age), and the new token passes the API.
 */
describe("step-up: guard challenge → acr_values and max_age → a token the guard accepts", () => {
  let server: TestServer;
  let verifier: Verifier;
  const requirement = { acr: [FRONTDESK_ACR.mfa], maxAge: 300 };

  beforeAll(async () => {
    server = await startTestServer();
    verifier = createVerifier({ issuer: server.issuer, audience: server.ctx.config.resources[0] as string });
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("a password-only token is refused with acr_values and max_age; after the second step it passes", async () => {
    const who = await person(server);
    const browser = await signedIn(server, who);
    await awayFromStepEdge();
    const { secret } = await enrolFromAccount(browser);
    const rp = await relyingParty(server, { firstParty: true });

    // The session signed in with the password only: its token is one factor.
    const first = await beginAuthorization(rp, browser);
    expect(onServer(browser, first.url)).toBe(false);
    const weak = await oidc.authorizationCodeGrant(rp.config, new URL(first.url), {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
      expectedNonce: first.nonce,
      idTokenExpected: true,
    });
    const weakClaims = await verifier.verify(weak.access_token);
    expect(weakClaims.acr).toBe(FRONTDESK_ACR.sfa);
    let challenge = "";
    try {
      assertAuthentication(weakClaims, requirement);
      expect.unreachable("a one-factor token met an mfa requirement");
    } catch (error) {
      const answer = errorResponse(error);
      expect(answer.status).toBe(401);
      challenge = answer.headers["www-authenticate"] as string;
    }
    expect(challenge).toContain('error="insufficient_user_authentication"');
    const acrValues = /acr_values="([^"]+)"/.exec(challenge)?.[1] as string;
    const maxAge = /max_age="(\d+)"/.exec(challenge)?.[1] as string;
    expect([acrValues, maxAge]).toEqual([FRONTDESK_ACR.mfa, "300"]);

    // The application sends the person back with what the challenge asked for.
    const start = await beginAuthorization(rp, browser, { acr_values: acrValues, max_age: maxAge });
    expect(new URL(start.url).pathname).toBe("/login/second-factor");
    const done = await browser.submit(
      await start.response.text(),
      { code: codeAt(secret) },
      { action: "/login/one-time-codes" },
    );
    expect(onServer(browser, done.url)).toBe(false);
    // openid-client requires auth_time and checks it against max_age.
    const strong = await oidc.authorizationCodeGrant(rp.config, new URL(done.url), {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
      idTokenExpected: true,
      maxAge: Number(maxAge),
    });
    expect(strong.claims()?.acr).toBe(FRONTDESK_ACR.mfa);
    const strongClaims = await verifier.verify(strong.access_token);
    expect(strongClaims.acr).toBe(FRONTDESK_ACR.mfa);
    expect(strongClaims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    expect(() => assertAuthentication(strongClaims, requirement)).not.toThrow();
    // Introspection and the gateway's forward-auth token say the same.
    expect(await introspect(server, rp, strong.access_token)).toMatchObject({
      active: true,
      acr: FRONTDESK_ACR.mfa,
      amr: expect.arrayContaining(["pwd", "otp", "mfa"]),
    });
    const gateway = await browser.request("/authz");
    expect(gateway.status).toBe(200);
    const internal = decodeJwt(gateway.headers.get("x-frontdesk-token") as string);
    expect([internal.acr, internal.amr]).toEqual([FRONTDESK_ACR.mfa, ["pwd", "otp", "mfa"]]);
    // A phishing-resistant requirement is still not met by a one-time code.
    expect(() => assertAuthentication(strongClaims, { acr: [FRONTDESK_ACR.phr] })).toThrow();
  });

  it("Cancel on the second-factor page refuses the request (access_denied) and drops the held sign-in", async () => {
    const who = await enrolledPerson(server);
    const rp = await relyingParty(server, { firstParty: true });
    const browser = new FormBrowser(server.url);
    const start = await beginAuthorization(rp, browser);
    const held = await browser.submit(await start.response.text(), {
      username: who.username,
      password: who.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    const page = await held.response.text();
    const cancelled = await browser.submit(page, {}, { action: "/login/second-factor/cancel" });
    expect(onServer(browser, cancelled.url)).toBe(false);
    const callback = new URL(cancelled.url);
    expect([callback.searchParams.get("error"), callback.searchParams.get("state")]).toEqual([
      "access_denied",
      start.state,
    ]);
    // Nothing is held any more: the code form of the old page completes nothing.
    const late = await browser.submit(
      page,
      { code: codeAt(who.secret) },
      { action: "/login/one-time-codes" },
    );
    expect(onServer(browser, late.url)).toBe(true);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
  });
});
