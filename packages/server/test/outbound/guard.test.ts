import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AllowList, isInternalAddress } from "../../src/outbound/addresses.js";
import { OutboundError, outboundRequest } from "../../src/outbound/fetch.js";
import { guardedFetch } from "../../src/outbound/guarded-fetch.js";

const development = { production: false, allow: new AllowList([]) };
const production = { production: true, allow: new AllowList([]) };

async function refused(url: string, policy = production): Promise<string> {
  const error = await outboundRequest(url, policy).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return `${(error as OutboundError).code}: ${(error as OutboundError).message}`;
}

describe("outbound requests are guarded (SSRF)", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        return;
      }
      if (req.url === "/big") {
        res.writeHead(200).end("x".repeat(300 * 1024));
        return;
      }
      if (req.url === "/slow") return; // never answers
      if (req.url === "/echo") {
        let body = "";
        req.on("data", (chunk) => {
          body += chunk;
        });
        req.on("end", () =>
          res
            .writeHead(201, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] })
            .end(JSON.stringify({ method: req.method, type: req.headers["content-type"], body })),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:10.0.0.1",
  ])("%s is internal", (address) => expect(isInternalAddress(address)).toBe(true));

  it.each([
    "::ffff:a00:1", // mapped, in the hex form URLs normalise to
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::10.0.0.1", // IPv4-compatible
    "::a9fe:a9fe",
    "::127.0.0.1",
    "64:ff9b::10.0.0.1", // NAT64 well-known prefix
    "64:ff9b::a9fe:a9fe",
    "64:FF9B:0:0:0:0:7F00:1",
    "64:ff9b:1::5db8:d822", // NAT64 local-use prefix, whatever it carries
    "2002:a00:1::1", // 6to4 of 10.0.0.1
    "2002:7f00:1::",
  ])("%s carries an internal IPv4 address: internal", (address) =>
    expect(isInternalAddress(address)).toBe(true),
  );

  it.each([
    "93.184.216.34",
    "2606:2800:220:1:248:1893:25c8:1946",
    "::ffff:93.184.216.34",
    "::5db8:d822",
    "64:ff9b::93.184.216.34",
    "64:ff9b::5db8:d822",
    "2002:5db8:d822::1",
  ])("%s is not", (address) => expect(isInternalAddress(address)).toBe(false));

  it("an IPv6 literal carrying an internal IPv4 address is refused in a URL too", async () => {
    expect(await refused("https://[64:ff9b::169.254.169.254]/latest/meta-data/")).toMatch(/internal address/);
    expect(await refused("https://[::10.0.0.1]/")).toMatch(/internal address/);
    expect(await refused("https://[::ffff:127.0.0.1]:1/")).toMatch(/internal address/);
  });

  it("the allow-list sees through the same forms", () => {
    const allow = new AllowList(["10.0.0.0/8"]);
    expect(allow.allowsAddress("64:ff9b::10.1.2.3")).toBe(true);
    expect(allow.allowsAddress("::ffff:a01:203")).toBe(true);
    expect(allow.allowsAddress("64:ff9b::192.168.1.1")).toBe(false);
  });

  it("production: only https, never to an internal address, whatever the name", async () => {
    expect(await refused(`${base}/jwks`)).toMatch(/ERR_OUTBOUND_BLOCKED: only https/);
    expect(await refused("https://127.0.0.1:1/jwks")).toMatch(/internal address/);
    expect(await refused("https://169.254.169.254/latest/meta-data/")).toMatch(/internal address/);
    expect(await refused("https://localhost:1/x")).toMatch(/internal address/);
    expect(await refused("https://[::1]:1/x")).toMatch(/internal address/);
    expect(await refused("file:///etc/passwd")).toMatch(/file: URLs are not fetched/);
    expect(await refused("https://user:pw@example.com/")).toMatch(/credentials/);
  });

  it("development: http to loopback works (local relying parties), other internal addresses do not", async () => {
    const answer = await outboundRequest(`${base}/jwks`, development);
    expect(answer).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(await refused("http://10.0.0.1/x", development)).toMatch(/loopback addresses in development/);
    expect(await refused("https://169.254.169.254/x", development)).toMatch(/internal address/);
  });

  it("redirects are not followed (a public URL cannot bounce to the metadata service)", async () => {
    const answer = await outboundRequest(`${base}/redirect`, development);
    expect(answer.status).toBe(302);
  });

  it("an allow-listed internal address may be reached in production", async () => {
    const allowed = { production: true, allow: new AllowList(["127.0.0.0/8"]) };
    expect((await outboundRequest(`${base}/jwks`, allowed)).status).toBe(200);
    const byName = { production: true, allow: new AllowList(["localhost"]) };
    expect((await outboundRequest(`${base.replace("127.0.0.1", "localhost")}/jwks`, byName)).status).toBe(
      200,
    );
  });

  it("answers are bounded in size and time", async () => {
    const big = await outboundRequest(`${base}/big`, development, { maxBytes: 64 * 1024 }).catch((e) => e);
    expect(big).toMatchObject({ code: "ERR_OUTBOUND_TOO_LARGE" });
    const slow = await outboundRequest(`${base}/slow`, development, { timeoutMs: 200 }).catch((e) => e);
    expect(slow).toMatchObject({ code: "ERR_OUTBOUND_TIMEOUT" });
  });

  it("guardedFetch: the Fetch API over the guard, for libraries that make their own requests", async () => {
    const send = guardedFetch(development);
    const answer = await send(`${base}/echo`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "authorization_code", code: "c" }),
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(await answer.json()).toEqual({
      method: "POST",
      type: "application/x-www-form-urlencoded;charset=UTF-8",
      body: "grant_type=authorization_code&code=c",
    });
    await expect(guardedFetch(production)(`${base}/echo`)).rejects.toMatchObject({
      code: "ERR_OUTBOUND_BLOCKED",
    });
    await expect(send(`${base}/echo`, { method: "DELETE" })).rejects.toMatchObject({
      code: "ERR_OUTBOUND_BLOCKED",
    });
  });

  it("guardedFetch: the caller's signal aborts the request with its reason; the limits apply", async () => {
    const aborted = await guardedFetch(development)(`${base}/slow`, {
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e);
    expect(aborted).toMatchObject({ name: "TimeoutError" });
    const bounded = await guardedFetch(development, { timeoutMs: 100 })(`${base}/slow`).catch(
      (e: unknown) => e,
    );
    expect(bounded).toMatchObject({ code: "ERR_OUTBOUND_TIMEOUT" });
  });
});
