import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import {
  beginAuthorization,
  codeFlow,
  completeAuthorization,
  decodePayload,
  REDIRECT,
  type RelyingParty,
  relyingParty,
  signIn,
  type TestUser,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

const CHALLENGE = "E9Melhoe2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 appendix B

describe("authorization endpoint", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;
  /** Errors go back at once only to a signed-in browser (RFC 9700 4.11.2; see open-redirector.test.ts). */
  let signedIn: FormBrowser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    alice = await makeUser(server.ctx);
    signedIn = new FormBrowser(server.issuer);
    await signIn(signedIn, alice);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  function valid(): [string, string][] {
    return [
      ["client_id", rp.id],
      ["redirect_uri", REDIRECT],
      ["response_type", "code"],
      ["scope", "openid profile"],
      ["code_challenge", CHALLENGE],
      ["code_challenge_method", "S256"],
      ["state", "st-123"],
      ["nonce", "n-123"],
    ];
  }

  function without(params: [string, string][], name: string): [string, string][] {
    return params.filter(([k]) => k !== name);
  }

  function replace(params: [string, string][], name: string, value: string): [string, string][] {
    return [...without(params, name), [name, value]];
  }

  async function raw(params: [string, string][], browser?: FormBrowser): Promise<Response> {
    const path = `/authorize?${new URLSearchParams(params)}`;
    if (browser) return browser.request(path);
    return fetch(`${server.issuer}${path}`, { redirect: "manual" });
  }

  /** The request from the signed-in browser, whose errors go back to the client at once. */
  const asSignedIn = (params: [string, string][]) => raw(params, signedIn);

  /** The error sent back to the client, checking it went to the registered URI with state and iss. */
  async function clientError(response: Response, state: string | null = "st-123") {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get("code")).toBeNull();
    expect(location.searchParams.get("iss")).toBe(server.issuer);
    expect(location.searchParams.get("state")).toBe(state);
    return location.searchParams.get("error");
  }

  async function errorPage(response: Response) {
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toContain("text/html");
    return response.text();
  }

  it("accepts the valid request (control for the cases below)", async () => {
    const response = await raw(valid());
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/login\?request=/);
  });

  it("response_type other than code: unsupported_response_type", async () => {
    for (const type of ["token", "id_token", "code id_token"])
      expect(await clientError(await asSignedIn(replace(valid(), "response_type", type)))).toBe(
        "unsupported_response_type",
      );
    expect(await clientError(await asSignedIn(without(valid(), "response_type")))).toBe("invalid_request");
  });

  it("requires PKCE with S256", async () => {
    expect(await clientError(await asSignedIn(without(valid(), "code_challenge")))).toBe("invalid_request");
    expect(await clientError(await asSignedIn(without(valid(), "code_challenge_method")))).toBe(
      "invalid_request",
    );
    expect(await clientError(await asSignedIn(replace(valid(), "code_challenge_method", "plain")))).toBe(
      "invalid_request",
    );
    expect(await clientError(await asSignedIn(replace(valid(), "code_challenge", "short")))).toBe(
      "invalid_request",
    );
  });

  it("a redirect_uri that is not exactly registered gets an error page and no redirect", async () => {
    for (const uri of [
      `${REDIRECT}/extra`,
      `${REDIRECT}/`,
      "http://127.0.0.1:10/callback",
      `${REDIRECT}?x=1`,
      "http://127.0.0.1:9/CALLBACK",
      "https://evil.example/callback",
    ]) {
      const page = await errorPage(await raw(replace(valid(), "redirect_uri", uri)));
      expect(page).toContain("not registered");
      expect(page).not.toContain("evil.example");
    }
  });

  it("an unknown client_id gets an error page and no redirect", async () => {
    await errorPage(await raw(replace(valid(), "client_id", "no-such-client")));
    await errorPage(await raw(without(valid(), "client_id")));
  });

  it("a repeated parameter is invalid_request", async () => {
    for (const name of ["scope", "response_type", "code_challenge", "code_challenge_method", "nonce"])
      expect(
        await clientError(await asSignedIn([...valid(), [name, name === "scope" ? "openid" : "x"]])),
      ).toBe("invalid_request");
    // Repeated state: the error still goes to the client, without a state it cannot trust.
    expect(await clientError(await asSignedIn([...valid(), ["state", "other"]]), null)).toBe(
      "invalid_request",
    );
    // Repeated redirect_uri or client_id: cannot know where to send it.
    await errorPage(await raw([...valid(), ["redirect_uri", REDIRECT]]));
    await errorPage(await raw([...valid(), ["client_id", rp.id]]));
  });

  it("a scope the client may not ask for is invalid_scope", async () => {
    expect(await clientError(await asSignedIn(replace(valid(), "scope", "openid admin")))).toBe(
      "invalid_scope",
    );
  });

  it("prompt=none without a session: login_required", async () => {
    const start = await beginAuthorization(rp, new FormBrowser(server.issuer), { prompt: "none" });
    const url = new URL(start.url);
    expect(url.searchParams.get("error")).toBe("login_required");
    expect(url.searchParams.get("state")).toBe(start.state);
    expect(url.searchParams.get("iss")).toBe(server.issuer);
  });

  it("prompt=none with a session but no consent: consent_required", async () => {
    const bob = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, bob);
    const start = await beginAuthorization(rp, browser, { prompt: "none" });
    const url = new URL(start.url);
    expect(url.searchParams.get("error")).toBe("consent_required");
    expect(url.searchParams.get("state")).toBe(start.state);
    expect(url.searchParams.get("iss")).toBe(server.issuer);
  });

  it("deny returns access_denied with state and iss", async () => {
    const carol = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    const { callback } = await completeAuthorization(browser, start, carol, "deny");
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(start.state);
    expect(callback.searchParams.get("iss")).toBe(server.issuer);
    expect(callback.searchParams.get("code")).toBeNull();
    expect(await server.ctx.durable.grants.get(carol.user.id, rp.id)).toBeUndefined();
  });

  it("successful responses carry state and iss (RFC 9207), and openid-client checks iss", async () => {
    const { callback, start, tokens } = await codeFlow(rp, new FormBrowser(server.issuer), alice);
    expect(callback.searchParams.get("iss")).toBe(server.issuer);
    expect(callback.searchParams.get("state")).toBe(start.state);
    // The same response with a wrong iss is refused by the client library.
    const forged = new URL(callback);
    forged.searchParams.set("iss", "https://attacker.example");
    await expect(
      oidc.authorizationCodeGrant(rp.config, forged, {
        pkceCodeVerifier: start.verifier,
        expectedState: start.state,
      }),
    ).rejects.toThrow();
    expect(tokens.access_token).toBeTruthy();
  });

  it("prompt=login shows the sign-in page even with a session, and the new sign-in is the auth_time", async () => {
    const dave = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const first = await codeFlow(rp, browser, dave);
    const firstSid = first.tokens.claims()?.sid;
    const again = await codeFlow(rp, browser, dave, { prompt: "login" });
    expect(again.pages).toEqual(["/login"]); // consent remembered, sign-in forced
    expect(again.tokens.claims()?.sid).not.toBe(firstSid);
    // Without prompt=login the same browser goes straight back with a code.
    const plain = await codeFlow(rp, browser, dave);
    expect(plain.pages).toEqual([]);
  });

  it("prompt=select_account (advertised) shows the sign-in page even with a session: the person picks the account", async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
      prompt_values_supported: string[];
    };
    expect(metadata.prompt_values_supported).toContain("select_account");
    const gina = await makeUser(server.ctx);
    const hugo = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const first = await codeFlow(rp, browser, gina);
    expect(first.tokens.claims()?.sub).toBe(gina.user.id);
    const other = await codeFlow(rp, browser, hugo, { prompt: "select_account" });
    expect(other.pages[0]).toBe("/login");
    expect(other.tokens.claims()?.sub).toBe(hugo.user.id);
    // Choosing the same account again is signing in again, consent remembered.
    const same = await codeFlow(rp, browser, hugo, { prompt: "select_account" });
    expect(same.pages).toEqual(["/login"]);
  });

  it("accepts every prompt value, response type and PKCE method discovery lists, and refuses others", async () => {
    const m = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string[]
    >;
    const accepted = async (params: [string, string][]) => {
      const response = await asSignedIn(params);
      const location = new URL(response.headers.get("location") as string, server.issuer);
      return location.searchParams.get("error");
    };
    for (const prompt of m.prompt_values_supported as string[])
      expect(await accepted([...valid(), ["prompt", prompt]]), prompt).not.toBe("invalid_request");
    for (const responseType of m.response_types_supported as string[])
      expect(await accepted(replace(valid(), "response_type", responseType)), responseType).toBeNull();
    for (const method of m.code_challenge_methods_supported as string[])
      expect(await accepted(replace(valid(), "code_challenge_method", method)), method).toBeNull();
    expect(await clientError(await asSignedIn([...valid(), ["prompt", "create"]]))).toBe("invalid_request");
    expect(await clientError(await asSignedIn(replace(valid(), "response_type", "token")))).toBe(
      "unsupported_response_type",
    );
    expect(await clientError(await asSignedIn(replace(valid(), "code_challenge_method", "plain")))).toBe(
      "invalid_request",
    );
  });

  it("max_age=0 forces sign-in", async () => {
    const erin = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await codeFlow(rp, browser, erin);
    const again = await codeFlow(rp, browser, erin, { max_age: "0" });
    expect(again.pages).toEqual(["/login"]);
    const large = await codeFlow(rp, browser, erin, { max_age: "3600" });
    expect(large.pages).toEqual([]);
  });

  it("nonce flows into the ID token", async () => {
    const { tokens, start } = await codeFlow(rp, new FormBrowser(server.issuer), alice);
    expect(decodePayload(tokens.id_token as string).nonce).toBe(start.nonce);
  });

  it("malformed acr_values: invalid_request; unknown values are preferences and ignored", async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `urn:x:${i}`).join(" ");
    expect(await clientError(await asSignedIn([...valid(), ["acr_values", eleven]]))).toBe("invalid_request");
    expect(await clientError(await asSignedIn([...valid(), ["acr_values", "urn:x:\u0001"]]))).toBe(
      "invalid_request",
    );
    expect(
      await clientError(
        await asSignedIn([
          ...valid(),
          ["acr_values", "urn:frontdesk:acr:mfa"],
          ["acr_values", "urn:frontdesk:acr:sfa"],
        ]),
      ),
    ).toBe("invalid_request");
    // An acr value this server does not know asks for nothing: no second-factor page, no error.
    const unknown = await asSignedIn([...valid(), ["acr_values", "urn:other:gold"]]);
    expect(unknown.status).toBe(303);
    const next = unknown.headers.get("location") as string;
    expect(next).not.toMatch(/second-factor/);
    expect(next.startsWith(REDIRECT) ? new URL(next).searchParams.get("error") : null).toBeNull();
  });

  it("a password-only session asked for urn:frontdesk:acr:mfa is sent to the second-factor page, never on to consent", async () => {
    const response = await asSignedIn([...valid(), ["acr_values", "urn:frontdesk:acr:mfa"]]);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/login\/second-factor\?request=/);
    const silent = await asSignedIn([
      ...valid(),
      ["acr_values", "urn:frontdesk:acr:mfa"],
      ["prompt", "none"],
    ]);
    expect(await clientError(silent)).toBe("interaction_required");
  });

  it("login_hint prefills the username", async () => {
    const start = await beginAuthorization(rp, new FormBrowser(server.issuer), {
      login_hint: "hinted.person",
    });
    expect(new URL(start.url).pathname).toBe("/login");
    expect(await start.response.text()).toMatch(/name="username"[^>]*value="hinted.person"/);
  });

  it("a first-party client skips consent", async () => {
    const own = await relyingParty(server, { name: "Our App", firstParty: true });
    const frank = await makeUser(server.ctx);
    const { pages } = await codeFlow(own, new FormBrowser(server.issuer), frank);
    expect(pages).toEqual(["/login"]);
    expect(await server.ctx.durable.grants.get(frank.user.id, own.id)).toBeUndefined();
  });

  it("remembers consent per user, client and scope set", async () => {
    const grace = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const first = await codeFlow(rp, browser, grace, { scope: "openid profile" });
    expect(first.pages).toEqual(["/login", "/consent"]);
    // Same scopes, or fewer: no consent page.
    expect((await codeFlow(rp, browser, grace, { scope: "openid profile" })).pages).toEqual([]);
    expect((await codeFlow(rp, browser, grace, { scope: "openid" })).pages).toEqual([]);
    // A new scope: consent again, listing it.
    const wider = await beginAuthorization(rp, browser, { scope: "openid profile photos:read" });
    expect(new URL(wider.url).pathname).toBe("/consent");
    expect(await wider.response.text()).toContain("photos:read");
    // Another client: consent again.
    const other = await relyingParty(server, { name: "Other App" });
    expect((await codeFlow(other, browser, grace, { scope: "openid profile" })).pages).toEqual(["/consent"]);
    // Another user with the first client: consent again.
    const heidi = await makeUser(server.ctx);
    expect(
      (await codeFlow(rp, new FormBrowser(server.issuer), heidi, { scope: "openid profile" })).pages,
    ).toEqual(["/login", "/consent"]);
  });
});
