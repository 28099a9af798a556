import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { signIn } from "../../helpers/sign-in.js";
import { makeUser } from "../../helpers/users.js";
import { answerAtDevicePage, deviceClient, newDeviceCode, poll } from "./device-helpers.js";

const discover = (server: TestServer, client: { id: string; secret: string }) =>
  oidc.discovery(
    new URL(server.issuer),
    client.id,
    client.secret || undefined,
    client.secret ? undefined : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );

describe("device flow end to end with openid-client (RFC 8628)", () => {
  let server: TestServer;
  let person: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    // interval 1: openid-client waits the interval before each poll.
    server = await startTestServer({ features: { deviceFlow: { interval: 1 } } });
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());

  it("a confidential client gets an ID token and a refresh token after the person approves at /device", async () => {
    const client = await deviceClient(server);
    const config = await discover(server, client);
    expect(config.serverMetadata().device_authorization_endpoint).toBe(
      `${server.issuer}/device_authorization`,
    );
    const device = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile offline_access" });
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device.verification_uri).toBe(`${server.issuer}/device`);
    expect(device.verification_uri_complete).toBe(`${server.issuer}/device?user_code=${device.user_code}`);
    expect(device.expires_in).toBe(600);
    expect(Buffer.from(device.device_code, "base64url").length).toBeGreaterThanOrEqual(32);
    const polling = oidc.pollDeviceAuthorizationGrant(config, device);

    // The link of verification_uri_complete prefills the code; the person still confirms it.
    const browser = new FormBrowser(server.issuer);
    const prefilled = await (await browser.request(device.verification_uri_complete as string)).text();
    expect(prefilled).toContain(`name="user_code"`);
    expect(prefilled).toContain(`value="${device.user_code}"`);
    const answered = await answerAtDevicePage(server.issuer, person, device.user_code, "allow", browser);
    expect(answered.pages).toEqual(["/login", "/consent", "/consent"]);
    expect(answered.page).toContain("You can return to your device");

    const tokens = await polling;
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.refresh_token).toBeTypeOf("string");
    const claims = tokens.claims();
    expect(claims?.sub).toBe(person.user.id);
    expect(claims?.aud).toBe(client.id);
    expect(claims?.amr).toEqual(["pwd"]);
    expect(claims?.sid).toBeTypeOf("string");

    // The refresh token works as for the code flow.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTypeOf("string");

    // After success the device code is spent.
    const again = await poll(server, client, device.device_code);
    expect(again.status).toBe(400);
    expect(again.json?.error).toBe("invalid_grant");
  });

  it("a public client authenticates with client_id alone", async () => {
    const client = await deviceClient(server, { public: true });
    const config = await discover(server, client);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
    const polling = oidc.pollDeviceAuthorizationGrant(config, device);
    await answerAtDevicePage(server.issuer, person, device.user_code);
    const tokens = await polling;
    expect(tokens.claims()?.sub).toBe(person.user.id);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("always asks for consent, naming the client and each scope, even for a first-party client with remembered consent", async () => {
    const client = await deviceClient(server, { name: "Kitchen Display", firstParty: true });
    const config = await discover(server, client);
    const browser = await signIn(server.issuer, person.username, person.password);
    for (let round = 0; round < 2; round++) {
      const device = await oidc.initiateDeviceAuthorization(config, { scope: "openid email" });
      const polling = oidc.pollDeviceAuthorizationGrant(config, device);
      const answered = await answerAtDevicePage(server.issuer, person, device.user_code, "allow", browser);
      // Already signed in: no sign-in page, but the consent page every time.
      expect(answered.pages).toEqual(["/consent", "/consent"]);
      expect(answered.consentPage).toContain("Kitchen Display");
      expect(answered.consentPage).toContain("Confirm who you are");
      expect(answered.consentPage).toContain("See your e-mail address");
      expect((await polling).access_token).toBeTypeOf("string");
    }
  });
});

const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

describe.runIf(distributed)("device flow across instances", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("a device code requested and polled at one instance is approved at the other", async () => {
    const [first, second] = server.instanceUrls ?? [];
    expect(first && second).toBeTruthy();
    const atFirst = { issuer: first as string };
    const person = await makeUser(server.ctx);
    const client = await deviceClient(server);
    const device = await newDeviceCode(atFirst, client);
    expect((await poll(atFirst, client, device.device_code)).json?.error).toBe("authorization_pending");
    const answered = await answerAtDevicePage(second as string, person, device.user_code);
    expect(answered.page).toContain("You can return to your device");
    // No wait needed for the interval: the person's answer is handed out at once.
    const tokens = await poll(atFirst, client, device.device_code);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.json?.id_token).toBeTypeOf("string");
    expect((await poll({ issuer: second as string }, client, device.device_code)).json?.error).toBe(
      "invalid_grant",
    );
  });
});
