import { isCanonicalCompactJws } from "@frontdesk/guard";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "./helpers/browser.js";
import { basic, clientCredentialsToken, postForm } from "./helpers/http.js";
import { accountStatus, codeFlow, LOGOUT_REDIRECT, relyingParty } from "./helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "./helpers/server.js";
import { makeUser } from "./helpers/users.js";

/** Flips the unused low bits of the last base64url character: same bytes, a different string. */
function strayBits(token: string): string {
  const last = token.at(-1) as string;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const i = alphabet.indexOf(last);
  return `${token.slice(0, -1)}${alphabet[i ^ 1]}`;
}

describe("strict JWS parsing (RFC 7515 2: one canonical encoding)", () => {
  it("accepts the canonical form only", () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    expect(isCanonicalCompactJws(token)).toBe(true);
    expect(isCanonicalCompactJws(`${token}==`)).toBe(false);
    expect(isCanonicalCompactJws(token.replace("c2ln", "c2lu"))).toBe(true);
    expect(isCanonicalCompactJws("a.b")).toBe(false);
    expect(isCanonicalCompactJws("a..c")).toBe(false);
    expect(isCanonicalCompactJws("eyJ+.eyJ/.c2ln")).toBe(false);
  });

  describe("at every endpoint that verifies a Frontdesk access token", () => {
    let server: TestServer;
    let token: string;
    let rs: { id: string; secret: string };
    beforeAll(async () => {
      server = await startTestServer();
      const ops = await server.client({ scopes: "frontdesk:admin" });
      rs = await server.client({ scopes: "read" });
      token = await clientCredentialsToken(server, ops, { resource: `${server.issuer}/admin/api` });
    });
    afterAll(() => server.close());

    const variants = () => [`${token}==`, `${token}=`, strayBits(token)];

    it("the token itself works", async () => {
      const answer = await postForm(
        server,
        "/introspect",
        { token },
        { authorization: basic(rs.id, rs.secret) },
      );
      expect(answer.json?.active).toBe(true);
    });

    it("introspection answers inactive for a padded or re-encoded signature", async () => {
      for (const variant of variants()) {
        if (variant === token) continue;
        const answer = await postForm(
          server,
          "/introspect",
          { token: variant },
          { authorization: basic(rs.id, rs.secret) },
        );
        expect(answer.json, variant.slice(-4)).toEqual({ active: false });
      }
    });

    it("the admin API (and so userinfo, on the same verifier) refuses it with invalid_token", async () => {
      for (const variant of variants()) {
        if (variant === token) continue;
        for (const path of ["/admin/api/users"]) {
          const response = await fetch(`${server.issuer}${path}`, {
            headers: { authorization: `Bearer ${variant}` },
          });
          expect(response.status, `${path} ${variant.slice(-4)}`).toBe(401);
          expect(response.headers.get("www-authenticate")).toMatch(/invalid_token|Bearer/);
        }
      }
    });
  });

  describe("where a person's tokens are verified: userinfo and the logout hint", () => {
    let server: TestServer;
    let accessToken: string;
    let idToken: string;
    let browser: FormBrowser;
    beforeAll(async () => {
      server = await startTestServer();
      const rp = await relyingParty(server);
      browser = new FormBrowser(server.issuer);
      const { tokens } = await codeFlow(rp, browser, await makeUser(server.ctx));
      accessToken = tokens.access_token;
      idToken = tokens.id_token as string;
    });
    afterAll(() => server.close());
    failOnErrorLogs(() => server);

    it("/userinfo answers the token, and 401 invalid_token for a padded or re-encoded one (GET and POST)", async () => {
      const userinfo = (token: string, method: "GET" | "POST") =>
        fetch(`${server.issuer}/userinfo`, { method, headers: { authorization: `Bearer ${token}` } });
      expect((await userinfo(accessToken, "GET")).status).toBe(200);
      for (const variant of [`${accessToken}==`, `${accessToken}=`, strayBits(accessToken)])
        for (const method of ["GET", "POST"] as const) {
          const response = await userinfo(variant, method);
          expect(response.status, `${method} ${variant.slice(-4)}`).toBe(401);
          expect(response.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
        }
    });

    it("/logout refuses a padded or re-encoded id_token_hint: an error page, no redirect, still signed in", async () => {
      for (const hint of [`${idToken}==`, strayBits(idToken)]) {
        const url = new URL(`${server.issuer}/logout`);
        url.searchParams.set("id_token_hint", hint);
        url.searchParams.set("post_logout_redirect_uri", LOGOUT_REDIRECT);
        const response = await browser.request(url.toString());
        expect(response.status, hint.slice(-4)).toBe(400);
        expect(response.headers.get("location")).toBeNull();
        expect(await response.text()).toContain("id_token_hint is not an ID token issued by this server");
      }
      expect(await accountStatus(browser)).toBe(200);
      // The hint as issued is taken: the confirmation page, naming the application.
      const url = new URL(`${server.issuer}/logout`);
      url.searchParams.set("id_token_hint", idToken);
      url.searchParams.set("post_logout_redirect_uri", LOGOUT_REDIRECT);
      const confirm = await browser.request(url.toString());
      expect(confirm.status).toBe(200);
      expect(await confirm.text()).toContain("Photo Printer");
    });
  });
});
