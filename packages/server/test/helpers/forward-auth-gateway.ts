import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeGuard } from "../../../guard/src/adapters/node.js";
import { createVerifier } from "../../../guard/src/index.js";
import { createUser, revokeUser } from "../../src/users/users.js";
import { FormBrowser } from "./browser.js";
import { freePort, startTestServer, type TestServer } from "./server.js";

/** Where a gateway under test listens and what it sits in front of (all on 127.0.0.1). */
export interface GatewayPorts {
  gateway: number;
  frontdesk: number;
  upstream: number;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/** A path with a space (`%20`), an encoded `&` and a query of two parameters. */
const ORIGINAL = "/app/a%20b?x=1&y=two%26three";

/**
 * The forward-auth contract of docs/forward-auth.md, run against a real gateway
 * (`start` runs the doc's snippet) in front of a sample upstream that verifies the
 * internal JWT with the guard: the same tests for nginx and Caddy.
 */
export function describeForwardAuthGateway(
  name: string,
  start: (ports: GatewayPorts) => Promise<RunningGateway>,
): void {
  describe(name, () => {
    let gateway: RunningGateway;
    let server: TestServer;
    let upstream: Server;
    let userId: string;
    const seen: { url?: string; headers: IncomingHttpHeaders; status: number }[] = [];

    beforeAll(async () => {
      const gatewayPort = await freePort();
      const origin = `http://127.0.0.1:${gatewayPort}`;
      server = await startTestServer({ issuer: origin });
      userId = (
        await createUser(server.ctx, {
          username: "grace",
          password: "gateway password",
          tenant: "acme",
          roles: ["admin", "billing"],
        })
      ).id;
      const guard = nodeGuard(createVerifier({ issuer: origin, audience: `${origin}/api` }));
      upstream = createServer(async (req, res) => {
        const claims = await guard(req, res);
        seen.push({ url: req.url, headers: req.headers, status: res.statusCode });
        if (!claims) return;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ path: req.url, claims }));
      });
      const upstreamPort = await freePort();
      await new Promise<void>((r) => upstream.listen(upstreamPort, "127.0.0.1", r));
      gateway = await start({
        gateway: gatewayPort,
        frontdesk: Number(new URL(server.url).port),
        upstream: upstreamPort,
      });
      expect(gateway.url).toBe(origin);
    });
    afterAll(async () => {
      await gateway?.stop();
      upstream?.close();
      await server?.close();
    });

    /** Asks for `path` signed out, signs in on the page it is sent to; where the browser lands. */
    async function signedIn(
      path: string,
    ): Promise<{ browser: FormBrowser; landed: string; response: Response }> {
      const browser = new FormBrowser(gateway.url);
      const signin = await browser.follow(path);
      expect(signin.url).toContain("/login?return_to=");
      const landed = await browser.submit(await signin.response.text(), {
        username: "grace",
        password: "gateway password",
      });
      return { browser, landed: landed.url, response: landed.response };
    }

    it("sends a signed-out browser to /login, without reaching the upstream", async () => {
      const before = seen.length;
      const response = await fetch(`${gateway.url}/app/reports`, { redirect: "manual" });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(`${gateway.url}/login?return_to=%2Fapp%2Freports`);
      expect(seen.length).toBe(before);
    });

    it("keeps the query string and an encoded %20 in return_to (no raw space in Location)", async () => {
      const response = await fetch(`${gateway.url}${ORIGINAL}`, { redirect: "manual" });
      expect(response.status).toBe(302);
      const location = response.headers.get("location") as string;
      expect(location).not.toMatch(/\s/);
      expect(new URL(location).pathname).toBe("/login");
      expect(new URL(location).searchParams.get("return_to")).toBe(ORIGINAL);
    });

    it("lands back on the original URL, query included, after sign-in (not on /account)", async () => {
      const { landed, response } = await signedIn(ORIGINAL);
      expect(landed).toBe(`${gateway.url}${ORIGINAL}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ path: ORIGINAL });
    });

    it("passes the upstream a verified internal JWT in X-Frontdesk-Token and Authorization", async () => {
      const { browser, landed, response } = await signedIn("/app/reports");
      expect(landed).toBe(`${gateway.url}/app/reports`);
      expect(response.status).toBe(200);
      const { claims } = (await response.json()) as { claims: Record<string, unknown> };
      expect(claims).toMatchObject({
        sub: userId,
        tenant: "acme",
        roles: ["admin", "billing"],
        client_id: "frontdesk-gateway",
      });
      expect(typeof claims.sid).toBe("string");
      const lifetime = Number(claims.exp) - Number(claims.iat);
      expect(lifetime).toBeGreaterThan(0);
      expect(lifetime).toBeLessThanOrEqual(300);
      const headers = seen.at(-1)?.headers ?? {};
      expect(headers["x-frontdesk-token"]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(headers.authorization).toBe(`Bearer ${headers["x-frontdesk-token"]}`);

      const again = await browser.request("/app/reports");
      expect(again.status).toBe(200);
    });

    it("overwrites an X-Frontdesk-Token or Authorization the browser sends", async () => {
      const { browser } = await signedIn("/app/reports");
      const forged = "forged.token.value";
      const response = await browser.request("/app/reports", {
        headers: { "x-frontdesk-token": forged, authorization: `Bearer ${forged}` },
      });
      expect(response.status).toBe(200);
      const headers = seen.at(-1)?.headers ?? {};
      expect(headers["x-frontdesk-token"]).not.toBe(forged);
      expect(headers.authorization).not.toContain(forged);

      const before = seen.length;
      const anonymous = await fetch(`${gateway.url}/app/reports`, {
        headers: {
          "x-frontdesk-token": forged,
          cookie: "frontdesk_session=forged-value; __Host-frontdesk_session=forged-value",
        },
        redirect: "manual",
      });
      expect(anonymous.status).toBe(302);
      expect(seen.length).toBe(before);
    });

    it("refuses a session after sign-out", async () => {
      const { browser } = await signedIn("/app/reports");
      const confirm = await browser.follow("/logout");
      const out = await browser.submit(
        await confirm.response.text(),
        {},
        { button: { name: "decision", value: "logout" } },
      );
      expect(out.response.status).toBe(200);
      const after = await browser.request("/app/reports");
      expect(after.status).toBe(302);
      expect(after.headers.get("location")).toContain("/login");
    });

    it("refuses a revoked session", async () => {
      const { browser } = await signedIn("/app/reports");
      expect((await browser.request("/app/reports")).status).toBe(200);
      const user = await server.ctx.durable.users.get(userId);
      if (!user) throw new Error("user vanished");
      await revokeUser(server.ctx, user);
      const before = seen.length;
      const after = await browser.request("/app/reports");
      expect(after.status).toBe(302);
      expect(after.headers.get("location")).toBe(`${gateway.url}/login?return_to=%2Fapp%2Freports`);
      expect(seen.length).toBe(before);
    });
  });
}
