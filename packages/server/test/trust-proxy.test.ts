import { afterEach, describe, expect, it } from "vitest";
import { loadServerConfig } from "../src/main/config.js";
import { FormBrowser } from "./helpers/browser.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { makeUser } from "./helpers/users.js";

/** Signs in with an `X-Forwarded-For` a client wrote (6.6.6.6) and a proxy appended to (203.0.113.9); returns the address the session recorded. */
async function recordedAddress(server: TestServer): Promise<string | undefined> {
  const person = await makeUser(server.ctx);
  const browser = new FormBrowser(server.url);
  const headers = { "x-forwarded-for": "6.6.6.6, 203.0.113.9" };
  const page = await (await browser.request("/login", { headers })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
  await browser.request("/login", {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, username: person.username, password: person.password }).toString(),
  });
  const [entry] = await server.ctx.sessions.listForUser(person.user.id);
  return entry?.session.ip;
}

describe("the client address behind proxies", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("trustProxyHops=1: a client cannot choose its own address (the proxy's appended entry counts)", async () => {
    server = await startTestServer({ trustProxyHops: 1 });
    expect(await recordedAddress(server)).toBe("203.0.113.9");
  });

  it("trustProxy=true takes the leftmost entry, the one a client wrote (why it is warned about)", async () => {
    server = await startTestServer({ trustProxy: true });
    expect(await recordedAddress(server)).toBe("6.6.6.6");
  });

  it("without trustProxy the header is ignored", async () => {
    server = await startTestServer();
    expect(await recordedAddress(server)).toBe("127.0.0.1");
  });

  it("trustProxy=true is refused together with trustProxyHops, and warned about alone", () => {
    expect(() =>
      loadServerConfig({ env: {}, flags: { dataDir: "/tmp/fd-tp", trustProxy: true, trustProxyHops: 1 } }),
    ).toThrow(/trustProxy, trustProxyHops: set one of them/);
    const config = loadServerConfig({ env: {}, flags: { dataDir: "/tmp/fd-tp", trustProxy: true } });
    expect(config.warnings.join("\n")).toMatch(/leftmost X-Forwarded-For entry.*trustProxyHops/);
  });

  it("FRONTDESK_TRUST_PROXY takes a list of proxy addresses", () => {
    const config = loadServerConfig({
      env: { FRONTDESK_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1" },
      flags: { dataDir: "/tmp/fd-tp" },
    });
    expect(config.trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(
      loadServerConfig({ env: { FRONTDESK_TRUST_PROXY: "true" }, flags: { dataDir: "/tmp/fd-tp" } })
        .trustProxy,
    ).toBe(true);
  });
});
