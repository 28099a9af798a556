import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientCredentialsTokenSource } from "../../../guard/src/index.js";
import { FormBrowser } from "../helpers/browser.js";
import { cli, type ServerProcess, startProgram, startServerProcess } from "../helpers/process.js";
import { freePort, tempDir } from "../helpers/server.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/delegation/", import.meta.url));
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

/** examples/delegation, run as its README says: gateway session -> A (guard) -> token exchange -> B (guard). */
describe("examples/delegation: a person's request down a chain of services", () => {
  const dataDir = tempDir();
  const programs: ChildProcess[] = [];
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;
  let gateway: string;
  let serviceB: string;
  let alice: { id: string };
  let serviceA: { client_id: string; client_secret: string };

  beforeAll(async () => {
    const [gatewayPort, aPort, bPort] = [await freePort(), await freePort(), await freePort()];
    gateway = `http://127.0.0.1:${gatewayPort}`;
    const serviceAUrl = `http://127.0.0.1:${aPort}`;
    serviceB = `http://127.0.0.1:${bPort}`;
    const frontdesk = { FRONTDESK_ISSUER: gateway, FRONTDESK_RESOURCES: `${serviceAUrl} ${serviceB}` };
    server = await startServerProcess({ dataDir, issuer: gateway, env: frontdesk });
    const withData = (args: string[]) =>
      cli<Record<string, string>>([...args, "--data-dir", dataDir], frontdesk);
    serviceA = (await withData([
      "client",
      "create",
      "--name",
      "service-a",
      "--grant-types",
      `${TOKEN_EXCHANGE},client_credentials`,
      "--token-exchange-audiences",
      serviceB,
    ])) as typeof serviceA;
    const feed = await withData([
      "client",
      "create",
      "--name",
      "service-b-feed",
      "--grant-types",
      "client_credentials",
      "--scopes",
      "revocation_feed",
    ]);
    alice = (await withData([
      "user",
      "create",
      "--username",
      "alice",
      "--password",
      "correct horse battery staple",
    ])) as {
      id: string;
    };
    env = {
      ...frontdesk,
      FRONTDESK_URL: server.url,
      GATEWAY_PORT: String(gatewayPort),
      SERVICE_A_URL: serviceAUrl,
      SERVICE_B_URL: serviceB,
      SERVICE_A_CLIENT_ID: serviceA.client_id,
      SERVICE_A_CLIENT_SECRET: serviceA.client_secret,
      SERVICE_B_FEED_CLIENT_ID: feed.client_id,
      SERVICE_B_FEED_SECRET: feed.client_secret,
    };
    programs.push(await startProgram(`${EXAMPLE}gateway.mjs`, env));
    programs.push(await startProgram(`${EXAMPLE}service-b.mjs`, env));
    programs.push(await startProgram(`${EXAMPLE}service-a.mjs`, env));
  });
  afterAll(async () => {
    for (const child of programs) child.kill();
    expect(await server?.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Alice, signed in at the gateway: her browser, and the token the gateway forwards for her. */
  async function signedIn(): Promise<{ browser: FormBrowser; gatewayToken: string }> {
    const browser = new FormBrowser(gateway);
    const login = await browser.follow("/app/report");
    await browser.submit(await login.response.text(), {
      username: "alice",
      password: "correct horse battery staple",
    });
    const gatewayToken = (await browser.request("/authz")).headers.get("x-frontdesk-token");
    if (!gatewayToken) throw new Error("no gateway token after sign-in");
    return { browser, gatewayToken };
  }

  it("B sees the person as sub and A in act, after one sign-in at the gateway", async () => {
    const browser = new FormBrowser(gateway);
    const login = await browser.follow("/app/report");
    expect(login.url).toBe(`${gateway}/login?return_to=%2Fapp%2Freport`);
    const report = await browser.submit(await login.response.text(), {
      username: "alice",
      password: "correct horse battery staple",
    });
    expect(report.url).toBe(`${gateway}/app/report`);
    expect(report.response.status).toBe(200);
    expect(await report.response.json()).toEqual({
      service: "A",
      person: alice.id,
      serviceB: {
        service: "B",
        sub: alice.id,
        act: { sub: serviceA.client_id },
        client_id: serviceA.client_id,
      },
    });
  });

  it("refuses what is not meant for B: the gateway's token itself, and no token", async () => {
    const { gatewayToken } = await signedIn();
    const forA = await fetch(`${serviceB}/profile`, { headers: { authorization: `Bearer ${gatewayToken}` } });
    expect(forA.status).toBe(401);
    expect((await fetch(`${serviceB}/profile`)).status).toBe(401);
  });

  it("revoking the person stops B within a second, for a token A already holds", async () => {
    const { browser, gatewayToken: personToken } = await signedIn();
    // What service A holds: a token exchanged for B, as the example's A obtains it.
    const tokens = clientCredentialsTokenSource({
      issuer: gateway,
      clientId: serviceA.client_id,
      clientSecret: serviceA.client_secret,
    });
    const forB = await tokens.exchange(personToken, { audience: serviceB, actor: true });
    const ask = () => fetch(`${serviceB}/profile`, { headers: { authorization: `Bearer ${forB}` } });
    expect((await ask()).status).toBe(200);

    await cli(["user", "revoke", "alice", "--data-dir", dataDir], { FRONTDESK_ISSUER: env.FRONTDESK_ISSUER });
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 5_000) {
      status = (await ask()).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect((await browser.follow("/app/report")).url).toMatch(/\/login\?return_to=/);
  });
});
