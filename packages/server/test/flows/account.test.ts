import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import {
  accountStatus,
  codeFlow,
  introspect,
  type RelyingParty,
  relyingParty,
  signIn,
  tokenRequest,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/** The rows of the sessions table: sid, and the text of the row. */
function sessionRows(page: string): { sid: string; text: string }[] {
  return [...page.matchAll(/<tr data-sid="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    sid: m[1] as string,
    text: (m[2] as string).replace(/<[^>]+>/g, " ").replace(/\s+/g, " "),
  }));
}

async function accountPage(browser: FormBrowser): Promise<string> {
  const response = await browser.request("/account");
  expect(response.status).toBe(200);
  return response.text();
}

describe("account page", () => {
  let server: TestServer;
  let rp: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("lists the sessions of every device with device, IP and last seen", async () => {
    const person = await makeUser(server.ctx);
    const laptop = new FormBrowser(server.issuer, FIREFOX_LINUX);
    const desktop = new FormBrowser(server.issuer, CHROME_WINDOWS);
    await signIn(laptop, person);
    await signIn(desktop, person);
    const page = await accountPage(laptop);
    const rows = sessionRows(page);
    expect(rows).toHaveLength(2);
    const mine = rows.find((r) => /this device/i.test(r.text));
    expect(mine?.text).toContain("Firefox on Linux");
    const theirs = rows.find((r) => !/this device/i.test(r.text));
    expect(theirs?.text).toContain("Chrome on Windows");
    for (const row of rows) {
      expect(row.text).toContain("127.0.0.1");
      expect(row.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(row.text).toContain("Sign out this one");
    }
    expect(page).toContain("Sign out all others");
  });

  it("'sign out this one' ends the other device's session only", async () => {
    const person = await makeUser(server.ctx);
    const laptop = new FormBrowser(server.issuer, FIREFOX_LINUX);
    const phone = new FormBrowser(server.issuer, SAFARI_IPHONE);
    await signIn(laptop, person);
    const { tokens } = await codeFlow(rp, phone, person);
    const page = await accountPage(laptop);
    const phoneRow = sessionRows(page).find((r) => r.text.includes("Safari on iOS"));
    expect(phoneRow).toBeDefined();
    const form = [...page.matchAll(/<form method="post" action="\/account\/sessions\/end">[\s\S]*?<\/form>/g)]
      .map((m) => m[0])
      .find((f) => f.includes(`value="${phoneRow?.sid}"`)) as string;
    const done = await laptop.submit(form, {});
    expect(done.url).toContain("/account?notice=ended");
    expect(await accountStatus(phone)).toBe(303);
    expect(await accountStatus(laptop)).toBe(200);
    // Access tokens bound to the ended session are revoked.
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    expect(sessionRows(await accountPage(laptop))).toHaveLength(1);
  });

  it("'sign out all others' keeps only this device", async () => {
    const person = await makeUser(server.ctx);
    const devices = [FIREFOX_LINUX, CHROME_WINDOWS, SAFARI_IPHONE].map(
      (ua) => new FormBrowser(server.issuer, ua),
    );
    for (const d of devices) await signIn(d, person);
    const [here, ...others] = devices as [FormBrowser, ...FormBrowser[]];
    const page = await accountPage(here);
    expect(sessionRows(page)).toHaveLength(3);
    await here.submit(page, {}, { action: "/account/sessions/end-others" });
    for (const d of others) expect(await accountStatus(d)).toBe(303);
    expect(await accountStatus(here)).toBe(200);
    expect(sessionRows(await accountPage(here))).toHaveLength(1);
  });

  it("cannot end another user's session", async () => {
    const victim = await makeUser(server.ctx);
    const attacker = await makeUser(server.ctx);
    const victimBrowser = new FormBrowser(server.issuer);
    const attackerBrowser = new FormBrowser(server.issuer);
    await signIn(victimBrowser, victim);
    await signIn(attackerBrowser, attacker);
    const victimSid = (await server.ctx.sessions.listForUser(victim.user.id))[0]?.session.sid as string;
    const page = await accountPage(attackerBrowser);
    const form = /<form method="post" action="\/account\/sessions\/end">[\s\S]*?<\/form>/.exec(
      page,
    )?.[0] as string;
    await attackerBrowser.submit(
      form.replace(/name="sid" value="[^"]+"/, `name="sid" value="${victimSid}"`),
      {},
    );
    expect(await accountStatus(victimBrowser)).toBe(200);
  });

  it("lists granted applications; revoking deletes the grant and kills its refresh tokens", async () => {
    const person = await makeUser(server.ctx);
    const laptop = new FormBrowser(server.issuer, FIREFOX_LINUX);
    const phone = new FormBrowser(server.issuer, SAFARI_IPHONE);
    const other = await relyingParty(server, { name: "Calendar Sync" });
    const { tokens } = await codeFlow(rp, phone, person);
    const kept = (await codeFlow(other, phone, person)).tokens;
    await signIn(laptop, person);
    const page = await accountPage(laptop);
    const apps = [...page.matchAll(/<tr data-client="([^"]+)">([\s\S]*?)<\/tr>/g)];
    expect(apps.map((m) => m[1]).sort()).toEqual([rp.id, other.id].sort());
    const row = apps.find((m) => m[1] === rp.id)?.[2] as string;
    expect(row).toContain("Photo Printer");
    // The same words as on the consent page, not raw scope names.
    expect(row).toContain("Keep access while you are not signed in");
    expect(row).not.toContain("<li>offline_access</li>");
    const form = [
      ...page.matchAll(/<form method="post" action="\/account\/applications\/revoke">[\s\S]*?<\/form>/g),
    ]
      .map((m) => m[0])
      .find((f) => f.includes(`value="${rp.id}"`)) as string;
    const done = await laptop.submit(form, {});
    expect(done.url).toContain("/account?notice=revoked");
    expect(await server.ctx.durable.grants.get(person.user.id, rp.id)).toBeUndefined();
    const refreshed = await tokenRequest(server, rp, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token as string,
    });
    expect(refreshed.json?.error).toBe("invalid_grant");
    // The other application keeps its access.
    expect(await server.ctx.durable.grants.get(person.user.id, other.id)).toBeDefined();
    const stillOk = await tokenRequest(server, other, {
      grant_type: "refresh_token",
      refresh_token: kept.refresh_token as string,
    });
    expect(stillOk.status).toBe(200);
    // Next time the application asks, consent is asked again.
    expect((await codeFlow(rp, phone, person)).pages).toEqual(["/consent"]);
  });

  it("without a session the account page and its actions send to sign-in", async () => {
    const browser = new FormBrowser(server.issuer);
    const response = await browser.request("/account");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });
});
