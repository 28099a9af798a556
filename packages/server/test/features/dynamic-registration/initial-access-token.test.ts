import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dynamicRegistrationFeature } from "../../../src/features/dynamic-registration/feature.js";
import { getJson } from "../../helpers/http.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { CALLBACK, clientCount, initialAccessToken, sendJson } from "./helpers.js";

const body = { redirect_uris: [CALLBACK] };

describe("the registration endpoint takes an initial access token", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("is advertised as registration_endpoint", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json?.registration_endpoint).toBe(`${server.issuer}/register`);
  });

  it("refuses a request without a token, or with an unknown one (open registration is off by default)", async () => {
    const before = await clientCount(server);
    for (const token of [undefined, "not-a-token"]) {
      const { status, json, headers } = await sendJson(server, "POST", "/register", { token, body });
      expect(status).toBe(401);
      expect(json?.error).toBe("invalid_token");
      expect(headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect(await clientCount(server)).toBe(before);
  });

  it("refuses an expired token, changing nothing", async () => {
    const issuedTwoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
    const token = await initialAccessToken(server, { expiresIn: 3600, now: issuedTwoHoursAgo });
    const before = await clientCount(server);
    const { status, json } = await sendJson(server, "POST", "/register", { token, body });
    expect(status).toBe(401);
    expect(json?.error).toBe("invalid_token");
    expect(await clientCount(server)).toBe(before);
  });

  it("lets a token register any number of clients until it expires (the default policy)", async () => {
    const token = await initialAccessToken(server);
    for (let i = 0; i < 3; i++) {
      const { status } = await sendJson(server, "POST", "/register", { token, body });
      expect(status).toBe(201);
    }
  });

  it("spends a single-use token on its first successful registration; a refused one does not spend it", async () => {
    const token = await initialAccessToken(server, { singleUse: true });
    const refused = await sendJson(server, "POST", "/register", {
      token,
      body: { redirect_uris: ["http://rp.example.com/cb"] },
    });
    expect(refused.json?.error).toBe("invalid_redirect_uri");
    const first = await sendJson(server, "POST", "/register", { token, body });
    expect(first.status).toBe(201);
    const before = await clientCount(server);
    const reused = await sendJson(server, "POST", "/register", { token, body });
    expect(reused.status).toBe(401);
    expect(reused.json?.error).toBe("invalid_token");
    expect(await clientCount(server)).toBe(before);
  });

  it("gives two concurrent registrations with one single-use token one client", async () => {
    const token = await initialAccessToken(server, { singleUse: true });
    const before = await clientCount(server);
    const answers = await Promise.all(
      [1, 2, 3].map(() => sendJson(server, "POST", "/register", { token, body })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 401, 401]);
    expect(await clientCount(server)).toBe(before + 1);
  });

  it("does not accept a registration access token as an initial access token", async () => {
    const { json } = await sendJson(server, "POST", "/register", {
      token: await initialAccessToken(server),
      body,
    });
    const misuse = await sendJson(server, "POST", "/register", {
      token: json?.registration_access_token as string,
      body,
    });
    expect(misuse.status).toBe(401);
  });
});

describe("open registration (features.dynamicRegistration.open)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { dynamicRegistration: { open: true } } });
  });
  afterAll(() => server.close());

  it("registers without a token, but still refuses a bad one", async () => {
    const { status, json } = await sendJson(server, "POST", "/register", { body });
    expect(status).toBe(201);
    expect(json?.registration_access_token).toBeTypeOf("string");
    const bad = await sendJson(server, "POST", "/register", { token: "not-a-token", body });
    expect(bad.status).toBe(401);
  });
});

describe("open registration is loudly logged", () => {
  it("warns at start-up when open, and says nothing when closed (the default)", async () => {
    const server = await startTestServer();
    try {
      for (const open of [true, false]) {
        const warn = vi.fn();
        const services = { ...server.ctx, logger: { ...server.ctx.logger, warn } } as typeof server.ctx;
        await dynamicRegistrationFeature.build(services, { enabled: true, open });
        expect(warn).toHaveBeenCalledTimes(open ? 1 : 0);
        if (open) expect(String(warn.mock.calls[0]?.[1])).toMatch(/OPEN CLIENT REGISTRATION/);
      }
    } finally {
      await server.close();
    }
  });
});

describe("the feature switched off (features.dynamicRegistration.enabled=false)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { dynamicRegistration: { enabled: false } } });
  });
  afterAll(() => server.close());

  it("is absent from discovery and answers 404, creating nothing", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json).not.toHaveProperty("registration_endpoint");
    const before = await clientCount(server);
    const token = await initialAccessToken(server);
    const { status } = await sendJson(server, "POST", "/register", { token, body });
    expect(status).toBe(404);
    expect((await sendJson(server, "GET", "/register/x", { token })).status).toBe(404);
    expect(await clientCount(server)).toBe(before);
  });
});
