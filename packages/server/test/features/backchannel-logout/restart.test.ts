import * as oidc from "openid-client";
import { afterAll, describe, expect, it } from "vitest";
import { registerClient } from "../../../src/clients/registration.js";
import { featureEnvName } from "../../../src/config/env.js";
import { LogoutOutbox } from "../../../src/features/backchannel-logout/outbox.js";
import { createLogger } from "../../../src/logging/logger.js";
import { loadServerConfig } from "../../../src/main/config.js";
import { closeContext, createContext, registrationOfferFor } from "../../../src/main/services.js";
import { FormBrowser } from "../../helpers/browser.js";
import { runCli } from "../../helpers/http.js";
import { ALL_SCOPES, codeFlow, decodePayload, REDIRECT } from "../../helpers/oidc.js";
import { type ServerProcess, startServerProcess } from "../../helpers/process.js";
import { freePort, tempDir } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { type LogoutReceiver, startReceiver, verifyLogoutToken } from "./receiver.js";

// Short lease and timeout, so the entry the killed process held is due again within seconds.
const ENV = {
  [featureEnvName("backchannelLogout", "pollInterval")]: "50",
  [featureEnvName("backchannelLogout", "timeout")]: "1500",
  [featureEnvName("backchannelLogout", "lease")]: "2500",
};

describe("back-channel logout survives a server killed mid-delivery", () => {
  const running: ServerProcess[] = [];
  let receiver: LogoutReceiver | undefined;
  afterAll(async () => {
    for (const server of running) await server.kill();
    await receiver?.close();
  });

  it("a logout enqueued by the CLI, claimed by a process killed with SIGKILL while the receiver hangs, arrives after a restart", async () => {
    receiver = await startReceiver();
    receiver.behave(() => "hang");
    const dataDir = tempDir();
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    // The stores, prepared as an operator would with the CLI: a relying party and a person.
    const config = loadServerConfig({ env: {}, flags: { dataDir, issuer, logLevel: "silent" } });
    const ctx = await createContext(config, createLogger("silent"));
    const { client, secret } = await registerClient(
      ctx,
      {
        name: "Photo Printer",
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: [REDIRECT],
        scopes: ALL_SCOPES,
        metadata: { backchannelLogoutUri: receiver.uri },
      },
      registrationOfferFor(ctx),
    );
    const person = await makeUser(ctx);
    await closeContext(ctx);

    const first = await startServerProcess({ dataDir, port, issuer, env: ENV });
    running.push(first);
    const config1 = await oidc.discovery(new URL(issuer), client.id, secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const rp = { id: client.id, secret: secret as string, redirectUri: REDIRECT, config: config1 };
    const { tokens } = await codeFlow(rp, new FormBrowser(issuer), person);
    const sid = decodePayload(tokens.id_token as string).sid as string;

    const revoked = await runCli(["user", "revoke", person.username, "--data-dir", dataDir, "--json"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    // The first process has claimed the entry and is waiting on the receiver: kill it now.
    await vitestEventually(() => receiver?.received.length === 1);
    await first.kill();
    receiver.behave(() => 200);

    const second = await startServerProcess({ dataDir, port, issuer, env: ENV });
    running.push(second);
    const [token] = await receiver.delivered(1, 20_000);
    await verifyLogoutToken(token as string, { issuer, clientId: client.id, sid, sub: person.user.id });
    expect(decodePayload(token as string).jti).toBe(decodePayload(receiver.received[0] as string).jti);
    await second.stop();

    const after = await createContext(config, createLogger("silent"));
    try {
      expect(await new LogoutOutbox(after.durable).list()).toEqual([]);
    } finally {
      await closeContext(after);
    }
  }, 60_000);
});

async function vitestEventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
