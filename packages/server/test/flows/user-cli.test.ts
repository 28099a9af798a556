import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxSealing } from "../../src/mail/mail-service.js";
import { FormBrowser } from "../helpers/browser.js";
import { CLI, cleanEnv, eventually, runCli, runCliJson } from "../helpers/http.js";
import {
  accountStatus,
  alertText,
  codeFlow,
  introspect,
  type RelyingParty,
  relyingParty,
  signIn,
  tokenRequest,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer, tempDir } from "../helpers/server.js";
import { linkIn, startSmtpServer, type TestSmtp } from "../helpers/smtp.js";

describe("frontdesk user (CLI) against a running server's data directory", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let dir: string[];

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    dir = ["--data-dir", server.dataDir];
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("user create --password --json creates a user who can sign in", async () => {
    const created = await runCliJson([
      "user",
      "create",
      "--username",
      "cli-ann",
      "--password",
      "ann password 1",
      ...dir,
    ]);
    expect(created).toMatchObject({ username: "cli-ann" });
    expect(typeof created.id).toBe("string");
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, { username: "cli-ann", password: "ann password 1" });
    expect(await accountStatus(browser)).toBe(200);
  });

  it("user create --password-stdin reads the password from standard input", async () => {
    const result = await runCli(
      ["user", "create", "--username", "cli-ben", "--password-stdin", "--json", ...dir],
      {},
      "ben's stdin password\n",
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ username: "cli-ben" });
    expect(result.stdout).not.toContain("stdin password");
    // Not a terminal: no prompt, and the password is read once, as it is.
    expect(result.stderr).toBe("");
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, { username: "cli-ben", password: "ben's stdin password" });
    expect(await accountStatus(browser)).toBe(200);
  });

  /**
   * Runs `frontdesk ARGS` with its stdin and stderr on a pseudo-terminal (util-linux
   * `script`) and its stdout in a file, answering each prompt as it appears.
   */
  async function onTerminal(args: string[], answers: [prompt: string, answer: string][]) {
    const stdoutFile = join(tempDir(), "stdout");
    const command = [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(" ");
    const child = spawn("script", ["-qec", `${command} > '${stdoutFile}'`, "/dev/null"], { env: cleanEnv() });
    let terminal = "";
    let seen = 0;
    let next = 0;
    child.stdout.on("data", (chunk) => {
      terminal += chunk;
      const pending = answers[next];
      const at = pending ? terminal.indexOf(pending[0], seen) : -1;
      if (!pending || at < 0) return;
      seen = at + pending[0].length;
      next += 1;
      child.stdin.write(`${pending[1]}\r`);
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const stdout = readFileSync(stdoutFile, "utf8");
    rmSync(dirname(stdoutFile), { recursive: true, force: true });
    return { code, terminal, stdout };
  }
  const hasScript = spawnSync("script", ["--version"]).status === 0;

  it.skipIf(!hasScript)(
    "user create --password-stdin on a terminal prompts `Password: ` on stderr, does not echo, and asks to confirm (skipped without util-linux script)",
    async () => {
      const password = "typed on a tty 1";
      const { code, terminal, stdout } = await onTerminal(
        ["user", "create", "--username", "cli-tty", "--password-stdin", "--json", ...dir],
        [
          ["Password: ", password],
          ["Confirm password: ", password],
        ],
      );
      expect(code).toBe(0);
      // The prompts (stderr) on the terminal, nothing echoed; stdout is the one JSON object.
      expect(terminal.replace(/\r/g, "")).toBe("Password: \nConfirm password: \n");
      expect(JSON.parse(stdout)).toMatchObject({ username: "cli-tty" });
      expect(stdout).not.toContain(password);
      const browser = new FormBrowser(server.issuer);
      await signIn(browser, { username: "cli-tty", password });
      expect(await accountStatus(browser)).toBe(200);

      const differ = await onTerminal(
        ["user", "create", "--username", "cli-tty-2", "--password-stdin", ...dir],
        [
          ["Password: ", "first password 1"],
          ["Confirm password: ", "second password 2"],
        ],
      );
      expect(differ.code).toBe(1);
      expect(differ.terminal).toContain("the two passwords differ; nothing was created");
      expect(differ.terminal).not.toMatch(/first password|second password/);
      expect(differ.stdout).toBe("");
      expect((await server.ctx.durable.users.list()).some((u) => u.username === "cli-tty-2")).toBe(false);
    },
  );

  it("refuses a duplicate username or a short password with a message and a non-zero exit", async () => {
    const duplicate = await runCli([
      "user",
      "create",
      "--username",
      "cli-ann",
      "--password",
      "another pass",
      ...dir,
    ]);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/taken/);
    const short = await runCli(["user", "create", "--username", "cli-short", "--password", "short", ...dir]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/password/);
  });

  it("user list --json lists users without password hashes", async () => {
    const result = await runCli(["user", "list", "--json", ...dir]);
    expect(result.code).toBe(0);
    const { users } = JSON.parse(result.stdout) as { users: Record<string, unknown>[] };
    expect(users.map((u) => u.username)).toEqual(expect.arrayContaining(["cli-ann", "cli-ben"]));
    expect(result.stdout).not.toMatch(/argon2|password/i);
  });

  it("user revoke ends every session and refresh token while the server runs", async () => {
    await runCliJson(["user", "create", "--username", "cli-cat", "--password", "cat password 1", ...dir]);
    const person = { username: "cli-cat", password: "cat password 1" };
    const laptop = new FormBrowser(server.issuer);
    const phone = new FormBrowser(server.issuer);
    await signIn(laptop, person);
    const { tokens } = await codeFlow(rp, phone, person);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(true);
    const revoked = await runCliJson(["user", "revoke", "cli-cat", ...dir]);
    expect(revoked).toMatchObject({ sessions: 2, families: 1 });
    expect(await accountStatus(laptop)).toBe(303);
    expect(await accountStatus(phone)).toBe(303);
    expect(
      (
        await tokenRequest(server, rp, {
          grant_type: "refresh_token",
          refresh_token: tokens.refresh_token as string,
        })
      ).json?.error,
    ).toBe("invalid_grant");
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    // The user can sign in again afterwards: revoke is not disable.
    const again = new FormBrowser(server.issuer);
    await signIn(again, person);
    expect(await accountStatus(again)).toBe(200);
  });

  it("user disable refuses sign-in (with the generic message) and ends what the user holds", async () => {
    await runCliJson(["user", "create", "--username", "cli-dan", "--password", "dan password 1", ...dir]);
    const person = { username: "cli-dan", password: "dan password 1" };
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, browser, person);
    const disabled = await runCli(["user", "disable", "cli-dan", "--json", ...dir]);
    expect(disabled.code).toBe(0);
    expect(await accountStatus(browser)).toBe(303);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    const csrfBrowser = new FormBrowser(server.issuer);
    const page = await (await csrfBrowser.request("/login")).text();
    const attempt = await csrfBrowser.submit(page, person);
    expect(attempt.response.status).toBe(401);
    expect(alertText(await attempt.response.text())).toBe("Wrong username or password.");
    expect(csrfBrowser.cookie("frontdesk_session")).toBeUndefined();
    const list = JSON.parse((await runCli(["user", "list", "--json", ...dir])).stdout) as {
      users: { username: string; disabled: boolean }[];
    };
    expect(list.users.find((u) => u.username === "cli-dan")?.disabled).toBe(true);
  });

  it("user enable undoes user disable: the user signs in again, and what disable revoked stays revoked", async () => {
    const person = { username: "cli-eve", password: "eve password 1" };
    const { id } = await runCliJson([
      "user",
      "create",
      ...["--username", person.username],
      ...["--password", person.password],
      ...dir,
    ]);
    const before = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, before, person);
    expect(await runCliJson(["user", "disable", person.username, ...dir])).toEqual({ disabled: id });
    const refused = new FormBrowser(server.issuer);
    expect((await signIn(refused, person)).response.status).toBe(401);

    expect(await runCliJson(["user", "enable", person.username, ...dir])).toEqual({ enabled: id });
    const list = await runCliJson(["user", "list", ...dir]);
    expect((list.users as { id: string; disabled: boolean }[]).find((u) => u.id === id)?.disabled).toBe(
      false,
    );
    const again = new FormBrowser(server.issuer);
    await signIn(again, person);
    expect(await accountStatus(again)).toBe(200);
    expect(await accountStatus(before)).toBe(303);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);

    const text = await runCli(["user", "enable", String(id), ...dir]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toBe(`enabled ${person.username}`);
    const unknown = await runCli(["user", "enable", "no-such-person", ...dir]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no user no-such-person/);
  });

  it("user delete revokes everything, deletes the user with their consents and refresh tokens, and logs an audit line", async () => {
    const person = { username: "cli-fay", password: "fay password 1" };
    const id = String(
      (
        await runCliJson([
          "user",
          "create",
          ...["--username", person.username],
          ...["--password", person.password],
          ...dir,
        ])
      ).id,
    );
    const laptop = new FormBrowser(server.issuer);
    await signIn(laptop, person);
    const phone = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, phone, person);
    expect(await server.ctx.durable.grants.get(id, rp.id)).toBeDefined();
    expect(await server.ctx.durable.refreshTokens.listActiveFamiliesOfUser(id, 0)).toHaveLength(1);

    const result = await runCli(["user", "delete", person.username, "--json", ...dir]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ deleted: id, sessions: 2, families: 1, grants: 1 });
    const audit = result.stderr
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toEqual([expect.objectContaining({ level: 30, action: "user.delete", user: id })]);

    expect(await accountStatus(laptop)).toBe(303);
    expect(await accountStatus(phone)).toBe(303);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    const refreshed = await tokenRequest(server, rp, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token as string,
    });
    expect(refreshed.json?.error).toBe("invalid_grant");
    expect(await server.ctx.durable.users.get(id)).toBeUndefined();
    expect(await server.ctx.durable.grants.listByUser(id)).toEqual([]);
    expect(await server.ctx.durable.refreshTokens.listActiveFamiliesOfUser(id, 0)).toEqual([]);
    const list = await runCliJson(["user", "list", ...dir]);
    expect((list.users as { id: string }[]).map((u) => u.id)).not.toContain(id);
    const signInAgain = new FormBrowser(server.issuer);
    expect((await signIn(signInAgain, person)).response.status).toBe(401);

    const again = await runCli(["user", "delete", id, ...dir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(`no user ${id}`);
    // The username is free again; the new person gets nothing of the old one.
    const reborn = await runCliJson([
      "user",
      "create",
      ...["--username", person.username],
      ...["--password", person.password],
      ...dir,
    ]);
    expect(reborn.id).not.toBe(id);
  });

  it("user unlock clears the counters: the owner signs in again from the throttled address", async () => {
    const person = { username: "cli-lou", password: "lou password 1" };
    const { id } = await runCliJson([
      "user",
      "create",
      ...["--username", person.username],
      ...["--password", person.password],
      ...dir,
    ]);
    const tryPassword = async (password: string) => {
      const browser = new FormBrowser(server.issuer);
      const { response } = await signIn(browser, { username: person.username, password });
      await response.arrayBuffer();
      return { status: response.status, browser };
    };
    for (let i = 0; i < 5; i++) expect((await tryPassword(`wrong password ${i}`)).status).toBe(401);
    expect((await tryPassword(person.password)).status).toBe(429);
    expect(await runCliJson(["user", "unlock", person.username, ...dir])).toEqual({ unlocked: id });
    const after = await tryPassword(person.password);
    expect(await accountStatus(after.browser)).toBe(200);
    const unknown = await runCli(["user", "unlock", "no-such-person", ...dir]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no user/);
  });

  it("naming an unknown user fails with a message", async () => {
    const result = await runCli(["user", "revoke", "nobody-here", ...dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("nobody-here");
  });
});

describe("frontdesk user and email: verification messages from the CLI", () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let dir: string[];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(smtp.config);
    dir = ["--data-dir", server.dataDir];
    // The CLI reads the same configuration as the server: its store, issuer and SMTP.
    env = {
      FRONTDESK_ISSUER: server.issuer,
      FRONTDESK_SMTP_URL: smtp.config.smtpUrl,
      FRONTDESK_EMAIL_FROM: smtp.config.emailFrom,
    };
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });
  failOnErrorLogs(() => server);

  const cliJson = async (args: string[], extra: NodeJS.ProcessEnv = env) => {
    const result = await runCli([...args, "--json", ...dir], extra);
    expect(result.code, result.stderr).toBe(0);
    return { json: JSON.parse(result.stdout.trim()) as Record<string, unknown>, stderr: result.stderr };
  };
  const confirm = async (link: string) => {
    const browser = new FormBrowser(server.issuer);
    const opened = await browser.follow(link);
    const page = await opened.response.text();
    if (opened.response.status !== 200) return opened.response.status;
    return (await browser.submit(page, {}, { action: "/account/verify-email" })).response.status;
  };

  it("user create --email enqueues a verification message the running server delivers", async () => {
    const { json } = await cliJson([
      "user",
      "create",
      ...["--username", "cli-eve", "--password", "eve password 1", "--email", "eve@example.test"],
    ]);
    expect(json).toMatchObject({ username: "cli-eve", verification_sent: true });
    const message = await smtp.waitForMessage({ to: "eve@example.test" });
    const link = linkIn(message, "/account/verify-email");
    expect(link.startsWith(`${server.issuer}/account/verify-email?token=`)).toBe(true);
    expect(await confirm(link)).toBe(200);
    const list = (await cliJson(["user", "list"])).json.users as {
      username: string;
      email_verified: boolean;
    }[];
    expect(list.find((u) => u.username === "cli-eve")?.email_verified).toBe(true);
  });

  it("user create --email-verified: the operator vouches for the address, no message", async () => {
    const { json } = await cliJson([
      "user",
      "create",
      ...[
        "--username",
        "cli-fay",
        "--password",
        "fay password 1",
        "--email",
        "fay@example.test",
        "--email-verified",
      ],
    ]);
    expect(json).toMatchObject({ username: "cli-fay", verification_sent: false });
    expect((await server.ctx.durable.users.get(json.id as string))?.emailVerified).toBe(true);
    const refused = await runCli(
      ["user", "create", "--username", "cli-gil", "--password", "gil password 1", "--email-verified", ...dir],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("email verified: give the email address too");
    expect(await server.ctx.durable.users.getByUsername("cli-gil")).toBeUndefined();
  });

  it("user set-email changes the address: unverified again, a message to the new one, the old link dead", async () => {
    const { json } = await cliJson([
      "user",
      "create",
      ...["--username", "cli-hal", "--password", "hal password 1", "--email", "hal@example.test"],
    ]);
    const old = linkIn(await smtp.waitForMessage({ to: "hal@example.test" }), "/account/verify-email");
    const changed = await cliJson(["user", "set-email", "cli-hal", "hal@example.org"]);
    expect(changed.json).toEqual({
      id: json.id,
      email: "hal@example.org",
      email_verified: false,
      verification_sent: true,
    });
    expect(await confirm(old)).toBe(400);
    const fresh = linkIn(await smtp.waitForMessage({ to: "hal@example.org" }), "/account/verify-email");
    expect(await confirm(fresh)).toBe(200);
    expect(await server.ctx.durable.users.get(json.id as string)).toMatchObject({
      email: "hal@example.org",
      emailVerified: true,
    });
    const bad = await runCli(["user", "set-email", "cli-hal", "not-an-address", ...dir], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("email: not an e-mail address");
    expect((await server.ctx.durable.users.get(json.id as string))?.email).toBe("hal@example.org");
  });

  it("with the SMTP server down the command still succeeds: the message waits in the outbox", async () => {
    await smtp.stop();
    try {
      const { json } = await cliJson([
        "user",
        "create",
        ...["--username", "cli-ida", "--password", "ida password 1", "--email", "ida@example.test"],
      ]);
      expect(json).toMatchObject({ verification_sent: true });
      // The server's worker tried, failed, and keeps it for a retry (delivery after an
      // outage: test/flows/email-delivery.test.ts).
      const row = await eventually(async () => {
        const found = (await server.ctx.durable.mailOutbox.list()).find(
          (m) => m.recipient === "ida@example.test",
        );
        return found && found.attempts >= 1 && found.lastError ? found : undefined;
      });
      expect(row).toMatchObject({ status: "pending", kind: "verify-email" });
      expect(row.lastError).toMatch(/ECONNREFUSED/);
    } finally {
      await smtp.start();
    }
  });

  it("mail list shows what waits or failed (never a body); mail retry sends a failed message again", async () => {
    // A message given up on: sealed as the service seals it, failed after its attempts.
    const id = `cli-mail-${Date.now()}`;
    const later = Date.now() + 3_600_000;
    const sealed = await outboxSealing(server.ctx.config.keyEncryptionSecret).seal(id, {
      text: `Hello,\n\nhttp://x.example/account/verify-email?token=SeCrEt\n`,
      html: "<p>Hello</p>",
    });
    await server.ctx.durable.mailOutbox.enqueue({
      id,
      kind: "verify-email",
      recipient: "kim@example.test",
      subject: "Confirm your email address",
      body: sealed,
      createdAt: later,
    });
    await server.ctx.durable.mailOutbox.claimDue("test", later, 60_000, 100);
    await server.ctx.durable.mailOutbox.markFailed(id, "test", "550 mailbox unavailable");

    const failed = await cliJson(["mail", "list", "--failed"]);
    const messages = failed.json.messages as Record<string, unknown>[];
    expect(messages.find((m) => m.id === id)).toEqual({
      id,
      kind: "verify-email",
      to: "kim@example.test",
      subject: "Confirm your email address",
      status: "failed",
      attempts: 1,
      last_error: "550 mailbox unavailable",
      created_at: Math.floor(later / 1000),
      next_attempt_at: null,
    });
    expect(JSON.stringify(failed.json)).not.toContain("SeCrEt");
    expect((await cliJson(["mail", "retry", id])).json).toEqual({ requeued: 1 });
    const delivered = await smtp.waitForMessage({ to: "kim@example.test" });
    expect(delivered.text).toContain("token=SeCrEt");
    const unknown = await runCli(["mail", "retry", id, ...dir], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no failed message ${id}`);
  });

  it("without smtpUrl (development) the CLI writes the message, link included, to its log on stderr", async () => {
    const result = await runCli(
      [
        "user",
        "create",
        "--username",
        "cli-jo",
        "--password",
        "jo password 1",
        "--email",
        "jo@example.test",
        "--json",
        ...dir,
      ],
      { FRONTDESK_ISSUER: server.issuer },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ username: "cli-jo", verification_sent: true });
    expect(result.stderr).toContain("EMAIL (not sent: no smtpUrl) to jo@example.test");
    const logged = result.stderr
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { email?: { to: string; text: string } })
      .find((line) => line.email?.to === "jo@example.test");
    expect(await confirm(linkIn({ text: logged?.email?.text ?? "" }, "/account/verify-email"))).toBe(200);
  });
});
