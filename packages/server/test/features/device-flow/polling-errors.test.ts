import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashToken } from "../../../src/tokens/opaque.js";
import { basic, postForm } from "../../helpers/http.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import {
  answerAtDevicePage,
  DEVICE_GRANT,
  deviceClient,
  newDeviceCode,
  poll,
  requestDeviceCode,
} from "./device-helpers.js";

/** Writes to the device-flow namespaces of the fast store (seen in-process only: a distributed server writes elsewhere). */
function deviceWrites(server: TestServer) {
  const fast = server.ctx.fast;
  const spies = [
    vi.spyOn(fast, "set"),
    vi.spyOn(fast, "setIfAbsent"),
    vi.spyOn(fast, "increment"),
    vi.spyOn(fast, "delete"),
  ];
  return {
    count: () =>
      spies
        .flatMap((s) => s.mock.calls.map((call: unknown[]) => String(call[0])))
        .filter((ns) => ns.startsWith("device")).length,
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

describe("device authorization and polling errors (RFC 8628 §3.2, §3.5)", () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  let person: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    server = await startTestServer();
    client = await deviceClient(server);
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("answers authorization_pending, then slow_down for a poll sooner than the interval, with the interval growing by 5 s", async () => {
    const device = await newDeviceCode(server, client);
    expect(device.interval).toBe(5);
    const first = await poll(server, client, device.device_code);
    expect([first.status, first.json?.error]).toEqual([400, "authorization_pending"]);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const early = await poll(server, client, device.device_code);
    expect([early.status, early.json?.error]).toEqual([400, "slow_down"]);
    const record = await server.ctx.fast.get("device-poll", hashToken(device.device_code));
    expect(JSON.parse(record ?? "{}").interval).toBe(10);
  });

  it("answers expired_token once expires_in has passed", async () => {
    const device = await newDeviceCode(server, client);
    const key = hashToken(device.device_code);
    const stored = JSON.parse((await server.ctx.fast.get("device", key)) ?? "{}");
    // The record as it is after its 600 s (rewriting the clock of a separate process is not possible).
    await server.ctx.fast.set(
      "device",
      key,
      JSON.stringify({ ...stored, expiresAt: stored.expiresAt - 601 }),
      600,
    );
    const answer = await poll(server, client, device.device_code);
    expect([answer.status, answer.json?.error]).toEqual([400, "expired_token"]);
  });

  it("answers access_denied when the person denies, and the user code cannot be used again", async () => {
    const device = await newDeviceCode(server, client);
    const answered = await answerAtDevicePage(server.issuer, person, device.user_code, "deny");
    expect(answered.page).toContain("Access denied");
    const answer = await poll(server, client, device.device_code);
    expect([answer.status, answer.json?.error]).toEqual([400, "access_denied"]);
    const reused = await answerAtDevicePage(server.issuer, person, device.user_code);
    expect(reused.status).toBe(400);
    expect(reused.pages).toEqual(["/device"]);
  });

  it("answers invalid_grant for an unknown device code, another client's, and a spent one", async () => {
    expect((await poll(server, client, "not-a-device-code")).json?.error).toBe("invalid_grant");
    const other = await deviceClient(server);
    const device = await newDeviceCode(server, client);
    // Another client's poll changes nothing: the owner's next poll is not "too early".
    const foreign = await poll(server, other, device.device_code);
    expect([foreign.status, foreign.json?.error]).toEqual([400, "invalid_grant"]);
    expect((await poll(server, client, device.device_code)).json?.error).toBe("authorization_pending");
    await answerAtDevicePage(server.issuer, person, device.user_code);
    expect((await poll(server, other, device.device_code)).json?.error).toBe("invalid_grant");
    const tokens = await poll(server, client, device.device_code);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: "Bearer", scope: "openid profile offline_access" });
    const spent = await poll(server, client, device.device_code);
    expect([spent.status, spent.json?.error]).toEqual([400, "invalid_grant"]);
  });

  it("answers invalid_request without device_code", async () => {
    const answer = await postForm(
      server,
      "/token",
      { grant_type: DEVICE_GRANT },
      { authorization: basic(client.id, client.secret) },
    );
    expect([answer.status, answer.json?.error]).toEqual([400, "invalid_request"]);
  });

  it("refuses clients not registered for the device grant with unauthorized_client, at both endpoints, creating nothing", async () => {
    const codeClient = await server.client({ grantTypes: ["client_credentials"], scopes: "openid" });
    const writes = deviceWrites(server);
    try {
      const start = await requestDeviceCode(server, codeClient, { scope: "openid" });
      expect([start.status, start.json?.error]).toEqual([400, "unauthorized_client"]);
      expect(start.json).not.toHaveProperty("device_code");
      const token = await poll(server, codeClient, "whatever");
      expect([token.status, token.json?.error]).toEqual([400, "unauthorized_client"]);
      expect(writes.count()).toBe(0);
    } finally {
      writes.restore();
    }
  });

  it("refuses bad device authorization requests with the RFC's codes, creating nothing", async () => {
    const writes = deviceWrites(server);
    try {
      const wrongSecret = await requestDeviceCode(server, { id: client.id, secret: "wrong" });
      expect([wrongSecret.status, wrongSecret.json?.error]).toEqual([401, "invalid_client"]);
      const unknown = await postForm(server, "/device_authorization", {
        client_id: "nobody",
        scope: "openid",
      });
      expect([unknown.status, unknown.json?.error]).toEqual([401, "invalid_client"]);
      const scope = await requestDeviceCode(server, client, { scope: "openid admin" });
      expect([scope.status, scope.json?.error]).toEqual([400, "invalid_scope"]);
      const noScope = await requestDeviceCode(server, client, {});
      expect([noScope.status, noScope.json?.error]).toEqual([400, "invalid_scope"]);
      const target = await requestDeviceCode(server, client, {
        scope: "openid",
        resource: "https://elsewhere.example",
      });
      expect([target.status, target.json?.error]).toEqual([400, "invalid_target"]);
      const repeated = await postForm(
        server,
        "/device_authorization",
        [
          ["scope", "openid"],
          ["scope", "profile"],
        ],
        { authorization: basic(client.id, client.secret) },
      );
      expect([repeated.status, repeated.json?.error]).toEqual([400, "invalid_request"]);
      expect(writes.count()).toBe(0);
    } finally {
      writes.restore();
    }
  });
});
