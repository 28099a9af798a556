import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addUpstreamOidc, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../../helpers/upstream-oidc.js";
import { signInThrough, unique } from "./helpers.js";

/** The upstream routes' refusals of bad input, each sent as a browser (or a forger) would. */
describe("upstream routes refuse bad input and change nothing", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    await addUpstreamOidc(server, upstream);
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  const post = (browser: FormBrowser, path: string, fields: Record<string, string>) =>
    browser.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  it("an unknown provider id (or one that is not an id) is a 404 page at start, callback and account link", async () => {
    const browser = new FormBrowser(server.issuer);
    for (const path of [
      "/upstream/nobody/start",
      "/upstream/Not_An_Id/start",
      "/upstream/nobody/callback?code=x&state=y",
      "/account/link/nobody",
    ]) {
      const response = await browser.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toContain("Unknown sign-in provider");
    }
  });

  it("the linking and unlinking forms refuse a missing or wrong CSRF token", async () => {
    const browser = new FormBrowser(server.issuer);
    await browser.request("/login");
    for (const path of [
      "/upstream/link",
      "/upstream/link/new",
      "/upstream/link/cancel",
      "/account/identities/unlink",
    ]) {
      const response = await post(browser, path, { csrf: "forged" });
      expect(response.status, path).toBe(403);
      expect(await response.text(), path).toContain("Form expired");
    }
  });

  it("with nothing held, the confirmation page and its form say there is nothing to link", async () => {
    const browser = new FormBrowser(server.issuer);
    const page = await browser.request("/upstream/link");
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("Nothing to link");
  });

  it("unlinking an identity that is not the person's own is refused with a notice, and it stays linked", async () => {
    const sub = unique("owner");
    upstream.accounts.set(sub, { sub, email: `${sub}@corp.example`, email_verified: true });
    await signInThrough(server, upstream, "Corp ID", sub);
    const found = await upstreamOf(server.ctx).identities.find("corp", upstream.issuer, sub);
    const identity = found?.id as string;
    expect(identity).toBeTruthy();
    const other = unique("other");
    upstream.accounts.set(other, { sub: other, email: `${other}@corp.example`, email_verified: true });
    const intruder = await signInThrough(server, upstream, "Corp ID", other);
    const csrf = /name="csrf" value="([^"]+)"/.exec(intruder.text)?.[1] as string;
    const refused = await intruder.browser.follow("/account/identities/unlink", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, identity }).toString(),
    });
    expect(await refused.response.text()).toContain("That provider was not linked to your account.");
    expect(await server.ctx.durable.users.findByEmail(`${sub}@corp.example`)).toHaveLength(1);
    expect(await upstreamOf(server.ctx).identities.get(identity)).toMatchObject({ subject: sub });
  });
});
