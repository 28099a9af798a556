import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { auth } from "express-openid-connect";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { decodePayload } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";

/**
 * express-openid-connect (Auth0's Express middleware) as a new user sets it up: only
 * the required settings, plus the client secret and `response_type: "code"` its
 * docs ask for to use the code flow (its own default, `id_token` by form post, is
 * an implicit flow Frontdesk does not offer). It discovers Frontdesk, expects
 * RS256 ID tokens (its default `idTokenSigningAlg`), sends PKCE and a nonce, and
 * authenticates with client_secret_basic.
 */
describe("express-openid-connect signs in with its defaults", () => {
  let server: TestServer;
  let app: Server;
  let appUrl: string;
  const appErrors: unknown[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    app = createServer();
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const client = await server.client({
      name: "Express Notes",
      grantTypes: ["authorization_code"],
      redirectUris: [`${appUrl}/callback`],
      scopes: "openid profile email",
    });
    const web = express();
    web.use(
      auth({
        issuerBaseURL: server.issuer,
        baseURL: appUrl,
        clientID: client.id,
        clientSecret: client.secret,
        secret: randomBytes(32).toString("base64url"),
        authorizationParams: { response_type: "code" },
      }),
    );
    web.get("/", (_req, res) => {
      res.send("home");
    });
    web.get("/profile", (req, res) => {
      res.json({
        authenticated: req.oidc.isAuthenticated(),
        user: req.oidc.user ?? null,
        idToken: req.oidc.idToken ?? null,
      });
    });
    web.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      appErrors.push(error);
      res.status(500).send(`app error: ${(error as Error).message}`);
    });
    app.on("request", web);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await server.close();
  });
  failOnErrorLogs(() => server);

  it("a browser goes from the app's /login through Frontdesk's sign-in and consent and back, signed in", async () => {
    const person = await makeUser(server.ctx);
    // Two origins, two cookie jars: the app's and Frontdesk's.
    const atApp = new FormBrowser(appUrl);
    const atFrontdesk = new FormBrowser(server.issuer);

    const toFrontdesk = await atApp.follow("/login");
    const authorize = new URL(toFrontdesk.url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${server.issuer}/authorize`);
    // What the middleware asks for by itself: code flow with PKCE S256 and a nonce.
    expect(authorize.searchParams.get("response_type")).toBe("code");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("scope")).toBe("openid profile email");

    const login = await atFrontdesk.follow(toFrontdesk.url);
    expect(new URL(login.url).pathname).toBe("/login");
    const loginPage = await login.response.text();
    expect(loginPage).toContain("Express Notes");
    const consent = await atFrontdesk.submit(loginPage, {
      username: person.username,
      password: person.password,
    });
    expect(new URL(consent.url).pathname).toBe("/consent");
    const back = await atFrontdesk.submit(
      await consent.response.text(),
      {},
      { button: { name: "decision", value: "allow" } },
    );
    const callback = new URL(back.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${appUrl}/callback`);
    expect(callback.searchParams.get("code")).toBeTruthy();

    const landed = await atApp.follow(back.url);
    expect(appErrors).toEqual([]);
    expect(landed.response.status).toBe(200);
    expect(new URL(landed.url).pathname).toBe("/");

    const profile = await atApp.request("/profile");
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as {
      authenticated: boolean;
      user: Record<string, unknown> | null;
      idToken: string | null;
    };
    expect(body.authenticated).toBe(true);
    expect(body.user?.sub).toBe(person.user.id);
    expect(body.user?.preferred_username).toBe(person.username);
    expect(body.user?.email).toBe(`${person.username}@example.test`);
    // The default the issue quotes: RS256 ID tokens, from this issuer, for this client.
    expect(decodeProtectedHeader(body.idToken as string).alg).toBe("RS256");
    expect(decodePayload(body.idToken as string).iss).toBe(server.issuer);
  });

  it("a signed-out visitor of a protected page is sent to Frontdesk, not shown the page", async () => {
    const visitor = new FormBrowser(appUrl);
    const { url } = await visitor.follow("/profile");
    expect(new URL(url).origin).toBe(server.issuer);
    expect(new URL(url).pathname).toBe("/authorize");
  });
});
