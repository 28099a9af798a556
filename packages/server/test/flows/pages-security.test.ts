import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    server = await startTestServer();
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  async function attempt(username: string, password: string) {
    const browser = new FormBrowser(server.issuer);
    const login = await browser.request("/login");
    const response = await post(browser, "/login", { csrf: csrfOf(await login.text()), username, password });
    return {
      status: response.status,
      message: alertText(await response.text()),
      session: browser.cookie("frontdesk_session"),
    };
  }

  it("answers an unknown username exactly like a wrong password", async () => {
    const carol = await makeUser(server.ctx);
    const wrong = await attempt(carol.username, "not the password");
    const unknown = await attempt("no-such-user", "not the password");
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual(wrong);
    expect(wrong.message).toBeTruthy();
  });

  it("locks an account after 5 wrong passwords, even for the right one", async () => {
    const dave = await makeUser(server.ctx);
    for (let i = 0; i < 5; i++)
      expect((await attempt(dave.username, `wrong-${i}-password`)).status).toBe(401);
    const locked = await attempt(dave.username, dave.password);
    expect(locked.status).toBe(429);
    expect(locked.session).toBeUndefined();
    // Another account from the same address is not affected.
    const erin = await makeUser(server.ctx);
    expect((await attempt(erin.username, erin.password)).session).toBeTruthy();
  });

  it("concurrent guesses cannot get past the account limit", async () => {
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
    expect(ghost).toEqual(real);
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
