import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/tokens/opaque.js";
import { LIMITS, LoginThrottle, slowDownDelay } from "../../src/users/login-throttle.js";
import { FormBrowser } from "../helpers/browser.js";
import {
  accountStatus,
  alertText,
  beginAuthorization,
  codeFlow,
  type RelyingParty,
  relyingParty,
  signIn,
  type TestUser,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

function expectPageHeaders(response: Response) {
  const csp = response.headers.get("content-security-policy") ?? "";
  const noFraming = response.headers.get("x-frame-options") === "DENY" || /frame-ancestors 'none'/.test(csp);
  expect(noFraming, `no anti-framing header on ${response.url}`).toBe(true);
  expect(response.headers.get("cache-control")).toContain("no-store");
}

function csrfOf(page: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error("no csrf field on page");
  return token;
}

function post(browser: FormBrowser, path: string, form: Record<string, string | undefined>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.set(k, v);
  return browser.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

describe("page security", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    alice = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("every page forbids framing and caching", async () => {
    const browser = new FormBrowser(server.issuer);
    const responses: Response[] = [];
    const track = async (r: Response | Promise<Response>) => {
      const response = await r;
      responses.push(response);
      return response;
    };
    const login = await track(browser.request("/login"));
    await track(
      post(browser, "/login", {
        csrf: csrfOf(await login.text()),
        username: alice.username,
        password: "nope-nope",
      }),
    );
    await track(browser.request(`/authorize?client_id=unknown&response_type=code`));
    const start = await beginAuthorization(rp, browser);
    await track(start.response);
    const afterLogin = await browser.submit(await start.response.text(), {
      username: alice.username,
      password: alice.password,
    });
    expect(new URL(afterLogin.url).pathname).toBe("/consent");
    await track(afterLogin.response);
    await track(browser.request("/account"));
    await track(browser.request("/logout"));
    await track(browser.request("/authorize/resume?request=nope"));
    for (const response of responses) {
      expect(response.headers.get("content-type")).toContain("text/html");
      expectPageHeaders(response);
    }
    expect(responses.map((r) => r.status)).toEqual([200, 401, 400, 200, 200, 200, 200, 400]);
  });

  it("POST /login without or with a wrong CSRF token is 403 and signs nobody in", async () => {
    const browser = new FormBrowser(server.issuer);
    const other = new FormBrowser(server.issuer);
    const foreign = csrfOf(await (await other.request("/login")).text()); // valid, but for another browser
    await browser.request("/login");
    const before = (await server.ctx.sessions.listForUser(alice.user.id)).length;
    for (const csrf of [undefined, "", "x".repeat(43), foreign]) {
      const response = await post(browser, "/login", {
        ...(csrf === undefined ? {} : { csrf }),
        username: alice.username,
        password: alice.password,
      });
      expect(response.status).toBe(403);
      expectPageHeaders(response);
      expect(browser.cookie("frontdesk_session")).toBeUndefined();
    }
    expect(await server.ctx.sessions.listForUser(alice.user.id)).toHaveLength(before);
  });

  it("POST /consent without or with a wrong CSRF token is 403, grants nothing, and the request still works", async () => {
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    const consent = await browser.submit(await start.response.text(), {
      username: alice.username,
      password: alice.password,
    });
    const page = await consent.response.text();
    const request = /name="request" value="([^"]+)"/.exec(page)?.[1] as string;
    for (const csrf of [undefined, "forged"]) {
      const response = await post(browser, "/consent", {
        ...(csrf === undefined ? {} : { csrf }),
        request,
        decision: "allow",
      });
      expect(response.status).toBe(403);
      expect(response.headers.get("location")).toBeNull();
    }
    expect(await server.ctx.durable.grants.get(alice.user.id, rp.id)).toBeUndefined();
    const allowed = await browser.submit(page, {}, { button: { name: "decision", value: "allow" } });
    expect(new URL(allowed.url).searchParams.get("code")).toBeTruthy();
    expect(await server.ctx.durable.grants.get(alice.user.id, rp.id)).toBeDefined();
  });

  it("POST /logout without or with a wrong CSRF token is 403 and the session lives on", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, alice);
    for (const csrf of [undefined, "forged"]) {
      const response = await post(browser, "/logout", {
        ...(csrf === undefined ? {} : { csrf }),
        decision: "logout",
      });
      expect(response.status).toBe(403);
    }
    expect(await accountStatus(browser)).toBe(200);
  });

  it("POST /account/* without or with a wrong CSRF token is 403 and changes nothing", async () => {
    const bob = await makeUser(server.ctx);
    const phone = new FormBrowser(server.issuer, "Mozilla/5.0 (iPhone) Safari/604.1");
    const laptop = new FormBrowser(server.issuer);
    await codeFlow(rp, phone, bob);
    await signIn(laptop, bob);
    const phoneSid = (await server.ctx.sessions.listForUser(bob.user.id)).find((s) =>
      s.session.userAgent.includes("iPhone"),
    )?.session.sid as string;
    for (const csrf of [undefined, "forged"]) {
      const extra = csrf === undefined ? {} : { csrf };
      expect((await post(laptop, "/account/sessions/end", { ...extra, sid: phoneSid })).status).toBe(403);
      expect((await post(laptop, "/account/sessions/end-others", extra)).status).toBe(403);
      expect(
        (await post(laptop, "/account/applications/revoke", { ...extra, client_id: rp.id })).status,
      ).toBe(403);
    }
    expect(await accountStatus(phone)).toBe(200);
    expect(await server.ctx.sessions.listForUser(bob.user.id)).toHaveLength(2);
    expect(await server.ctx.durable.grants.get(bob.user.id, rp.id)).toBeDefined();
  });
});

describe("sign-in failures", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ trustProxy: true });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  /** One sign-in attempt, from a fresh browser unless one is given, from `ip` when given (X-Forwarded-For). */
  async function attempt(
    username: string,
    password: string,
    from: { ip?: string; browser?: FormBrowser; on?: TestServer } = {},
  ) {
    const browser = from.browser ?? new FormBrowser((from.on ?? server).issuer);
    const headers = from.ip ? { "x-forwarded-for": from.ip } : undefined;
    const login = await browser.request("/login", { headers });
    const body = new URLSearchParams({ csrf: csrfOf(await login.text()), username, password });
    const response = await browser.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: body.toString(),
    });
    const session = response.headers
      .getSetCookie()
      .some((l) => l.startsWith("frontdesk_session=") && !l.startsWith("frontdesk_session=;"));
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      message: alertText(await response.text()),
      session,
      browser,
    };
  }

  /** A browser that has signed in to the account before (holds its device cookie), signed out again. */
  async function knownBrowser(username: string, password: string, on: TestServer = server) {
    const { browser, session } = await attempt(username, password, { on });
    expect(session).toBe(true);
    expect(browser.cookie("frontdesk_device")).toBeTruthy();
    browser.setCookie("frontdesk_session", "");
    return browser;
  }

  it("answers an unknown username exactly like a wrong password", async () => {
    const carol = await makeUser(server.ctx);
    const wrong = await attempt(carol.username, "not the password");
    const unknown = await attempt("no-such-user", "not the password");
    expect(wrong.status).toBe(401);
    expect({ ...unknown, browser: undefined }).toEqual({ ...wrong, browser: undefined });
    expect(wrong.message).toBeTruthy();
  });

  it("per (account, IP) limit: 5 wrong passwords make that address wait, not other addresses or accounts", async () => {
    const dave = await makeUser(server.ctx);
    for (let i = 0; i < 5; i++)
      expect((await attempt(dave.username, `wrong-${i}-password`, { ip: "10.9.0.1" })).status).toBe(401);
    const waiting = await attempt(dave.username, dave.password, { ip: "10.9.0.1" });
    expect(waiting.status).toBe(429);
    expect(waiting.retryAfter).toBe("900");
    expect(waiting.session).toBe(false);
    // The owner elsewhere, and another account from the same address, are not affected.
    expect((await attempt(dave.username, dave.password, { ip: "10.9.0.2" })).session).toBe(true);
    const erin = await makeUser(server.ctx);
    expect((await attempt(erin.username, erin.password, { ip: "10.9.0.1" })).session).toBe(true);
  });

  it("concurrent guesses cannot get past the (account, IP) limit", async () => {
    const ivan = await makeUser(server.ctx);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(ivan.username, `parallel-guess-${i}`)),
    );
    const checked = answers.filter((a) => a.status === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(20 - checked);
    expect((await attempt(ivan.username, ivan.password)).status).toBe(429);
  });

  it("limits unknown usernames the same way, with the same answer", async () => {
    const frank = await makeUser(server.ctx);
    for (let i = 0; i < 5; i++) {
      await attempt(frank.username, `wrong-${i}-password`);
      await attempt("ghost-user", `wrong-${i}-password`);
    }
    const real = await attempt(frank.username, "still wrong here");
    const ghost = await attempt("ghost-user", "still wrong here");
    expect(real.status).toBe(429);
    expect({ ...ghost, browser: undefined }).toEqual({ ...real, browser: undefined });
  });

  it("usernames differing only in case are throttled separately", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const lower = await makeUser(server.ctx, `kim${suffix}`);
    const upper = await makeUser(server.ctx, `Kim${suffix}`);
    for (let i = 0; i < 5; i++)
      expect((await attempt(lower.username, `wrong-${i}-password`, { ip: "10.8.0.1" })).status).toBe(401);
    expect((await attempt(lower.username, lower.password, { ip: "10.8.0.1" })).status).toBe(429);
    expect((await attempt(upper.username, upper.password, { ip: "10.8.0.1" })).session).toBe(true);
  });

  it("an attacker's wrong passwords do not lock the owner out on a browser that signed in before", async () => {
    const owner = await makeUser(server.ctx);
    const browser = await knownBrowser(owner.username, owner.password);
    // From the owner's own address and from others, past every account limit.
    for (const ip of ["127.0.0.1", "10.7.0.1", "10.7.0.2", "10.7.0.3"])
      for (let i = 0; i < 5; i++) await attempt(owner.username, `guess-${i}-${ip}`, { ip });
    const unknown = await attempt(owner.username, owner.password, { ip: "127.0.0.1" });
    expect(unknown.status).toBe(429);
    const known = await attempt(owner.username, owner.password, { ip: "127.0.0.1", browser });
    expect(known.status).toBe(303);
    expect(known.session).toBe(true);
  });

  it("the device cookie is HttpOnly, SameSite=Lax, Path=/, random and stored only hashed", async () => {
    const owner = await makeUser(server.ctx);
    const { browser, session } = await attempt(owner.username, owner.password);
    expect(session).toBe(true);
    const value = browser.cookie("frontdesk_device") as string;
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await attempt(owner.username, owner.password);
    const line = (await (async () => {
      const b = new FormBrowser(server.issuer);
      const login = await b.request("/login");
      const response = await post(b, "/login", {
        csrf: csrfOf(await login.text()),
        username: owner.username,
        password: owner.password,
      });
      return response.headers.getSetCookie().find((l) => l.startsWith("frontdesk_device="));
    })()) as string;
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).toMatch(/Path=\//);
    expect(again.browser.cookie("frontdesk_device")).not.toBe(value);
    const stored = await server.ctx.fast.setMembers("login-device", owner.username);
    expect(stored).toContain(hashToken(value));
    expect(stored).not.toContain(value);
  });

  // The clock is injected into the in-process server; the distributed run's processes have their own.
  it.skipIf(process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed")(
    "the account-wide limit slows unknown browsers (429 + Retry-After) rather than locking",
    async () => {
      const own = await startTestServer({ trustProxy: true });
      try {
        let now = Date.now();
        own.ctx.loginThrottle = new LoginThrottle(own.ctx.fast, () => now);
        const hana = await makeUser(own.ctx);
        const known = await knownBrowser(hana.username, hana.password, own);
        const from = (ip: string) => ({ ip, on: own });
        // 10 failures from two addresses (5 each, each pair's own limit).
        for (let i = 0; i < 10; i++)
          expect((await attempt(hana.username, `wrong-${i}-password`, from(`10.6.0.${i % 2}`))).status).toBe(
            401,
          );
        // Past the account-wide limit, one attempt goes through, then unknown browsers wait.
        expect((await attempt(hana.username, "wrong again", from("10.6.1.1"))).status).toBe(401);
        const slowed = await attempt(hana.username, hana.password, from("10.6.1.2"));
        expect(slowed.status).toBe(429);
        expect(slowed.session).toBe(false);
        expect(Number(slowed.retryAfter)).toBeGreaterThan(0);
        expect(Number(slowed.retryAfter)).toBeLessThanOrEqual(30);
        // A browser that signed in before is not held up.
        expect(
          (await attempt(hana.username, hana.password, { ...from("10.6.1.3"), browser: known })).session,
        ).toBe(true);
        // The delay grows with further failures, and is short: once it has passed, the owner gets in.
        now += 31_000;
        expect((await attempt(hana.username, "and again", from("10.6.1.4"))).status).toBe(401);
        const longer = await attempt(hana.username, hana.password, from("10.6.1.5"));
        expect(longer.status).toBe(429);
        expect(Number(longer.retryAfter)).toBeGreaterThan(30);
        expect(Number(longer.retryAfter)).toBeLessThanOrEqual(60);
        now += 61_000;
        expect((await attempt(hana.username, hana.password, from("10.6.1.5"))).session).toBe(true);
      } finally {
        await own.close();
      }
    },
  );

  it("the account-wide delay doubles from 30 seconds to at most 5 minutes", () => {
    expect(slowDownDelay(LIMITS.perAccount)).toBe(0);
    expect(slowDownDelay(LIMITS.perAccount + 1)).toBe(30);
    expect(slowDownDelay(LIMITS.perAccount + 2)).toBe(60);
    expect(slowDownDelay(LIMITS.perAccount + 4)).toBe(240);
    expect(slowDownDelay(LIMITS.perAccount + 50)).toBe(300);
  });

  it("limits wrong passwords per IP address (30)", async () => {
    const own = await startTestServer();
    try {
      const grace = await makeUser(own.ctx);
      const tryOn = async (username: string, password: string) => {
        const browser = new FormBrowser(own.issuer);
        const login = await browser.request("/login");
        return post(browser, "/login", { csrf: csrfOf(await login.text()), username, password });
      };
      // 30 failures spread over 10 names: no account reaches its own limit of 5.
      for (let i = 0; i < 30; i++) expect((await tryOn(`name${i % 10}`, "wrong password")).status).toBe(401);
      const blocked = await tryOn(grace.username, grace.password);
      expect(blocked.status).toBe(429);
      expect(blocked.headers.getSetCookie().some((l) => l.startsWith("frontdesk_session="))).toBe(false);
    } finally {
      await own.close();
    }
  });
});
