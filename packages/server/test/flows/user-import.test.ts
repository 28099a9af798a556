import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envName } from "../../src/config/env.js";
import { hashPassword, verifyPassword } from "../../src/users/passwords.js";
import { USER_FILE_FIELDS } from "../../src/users/user-file.js";
import { createUser, upgradePasswordHash } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { docSnippet } from "../helpers/doc-snippets.js";
import { type CliResult, runCli } from "../helpers/http.js";
import { alertText, codeFlow, decodePayload, type RelyingParty, relyingParty } from "../helpers/oidc.js";
import {
  FIREBASE_PROJECT,
  FOREIGN_FORMATS,
  type ForeignHash,
  foreignHash,
} from "../helpers/password-hashes.js";
import { failOnErrorLogs, startTestServer, type TestServer, tempDir } from "../helpers/server.js";

/** This server's own hashes: argon2id with its parameters. */
const OWN_HASH = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

const FIREBASE_FLAGS = [
  "--firebase-signer-key",
  FIREBASE_PROJECT.signerKey,
  "--firebase-salt-separator",
  FIREBASE_PROJECT.saltSeparator,
  "--firebase-rounds",
  String(FIREBASE_PROJECT.rounds),
  "--firebase-mem-cost",
  String(FIREBASE_PROJECT.memCost),
];

/** The hash text a line carries (for checking that no output ever shows it). */
const hashText = (hash: ForeignHash) => (typeof hash === "string" ? hash : hash.hash);

function writeLines(lines: (string | Record<string, unknown>)[]): string {
  const file = join(tempDir(), "users.jsonl");
  writeFileSync(file, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n"));
  return file;
}

function json(result: CliResult): Record<string, unknown> {
  return JSON.parse(result.stdout.trim()) as Record<string, unknown>;
}

describe("frontdesk user import and export: users with their password hashes from another system", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let cli: (args: string[], input?: string) => Promise<CliResult>;
  const people: { username: string; password: string; format: string; hash: ForeignHash }[] = [];
  let fixture: string;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    // The CLI works on the server's stores: its data directory, or (distributed) its database.
    const { databaseUrl, keyEncryptionSecret } = server.ctx.config;
    const env = databaseUrl
      ? { [envName("databaseUrl")]: databaseUrl, [envName("keyEncryptionSecret")]: keyEncryptionSecret }
      : {};
    cli = (args, input) => runCli([...args, "--data-dir", server.dataDir], env, input);
    for (const [i, format] of FOREIGN_FORMATS.entries()) {
      const password = `old system's password ${i} ✓`;
      people.push({ username: `imported-${i}`, password, format, hash: await foreignHash(format, password) });
    }
    fixture = writeLines(
      people.map((p, i) => ({
        username: p.username,
        email: `${p.username}@example.com`,
        email_verified: i % 2 === 0,
        name: `Person ${i} (${p.format})`,
        roles: ["imported", `format-${i}`],
        password_hash: p.hash,
      })),
    );
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("imports one user per hash format; each signs in on the sign-in page with their old password, and then has an argon2id hash", async () => {
    const result = await cli(["user", "import", fixture, ...FIREBASE_FLAGS, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = json(result);
    expect(report).toMatchObject({ created: people.length, exists: 0, refused: 0 });
    for (const p of people) {
      // No output ever shows a hash.
      expect(result.stdout + result.stderr).not.toContain(hashText(p.hash));
      const stored = await server.ctx.durable.users.getByUsername(p.username);
      expect(stored, p.format).toMatchObject({ roles: ["imported", expect.any(String)], disabled: false });
      expect(stored?.passwordHash, p.format).toEqual(
        typeof p.hash === "string" ? p.hash : expect.stringMatching(/^\$firescrypt\$ln=14,r=8,p=1\$/),
      );

      // A wrong password is refused and leaves the imported hash as it is.
      const wrong = new FormBrowser(server.issuer);
      const login = await wrong.follow("/login");
      const refused = await wrong.submit(await login.response.text(), {
        username: p.username,
        password: `${p.password}?`,
      });
      expect(refused.response.status, p.format).toBe(401);
      expect(alertText(await refused.response.text())).toBe("Wrong username or password.");
      expect((await server.ctx.durable.users.getByUsername(p.username))?.passwordHash).toBe(
        stored?.passwordHash,
      );

      // The right one signs in, and the hash is this server's argon2id from then on.
      const browser = new FormBrowser(server.issuer);
      const page = await browser.follow("/login");
      const done = await browser.submit(await page.response.text(), {
        username: p.username,
        password: p.password,
      });
      expect(done.url, p.format).toMatch(/\/account$/);
      const upgraded = (await server.ctx.durable.users.getByUsername(p.username))?.passwordHash ?? "";
      expect(upgraded, p.format).toMatch(OWN_HASH);
      expect(await verifyPassword(upgraded, p.password)).toBe(true);
    }
  });

  it("signs in again with the same password once the hash is argon2id, and the ID token carries the imported name and email_verified", async () => {
    for (const [i, p] of people.slice(0, 2).entries()) {
      const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), p, {
        scope: "openid profile email",
      });
      expect(decodePayload(tokens.id_token as string)).toMatchObject({
        preferred_username: p.username,
        name: `Person ${i} (${p.format})`,
        email: `${p.username}@example.com`,
        email_verified: i % 2 === 0,
      });
    }
  });

  it("a second run of the same file changes nothing: every line is `exists`, exit code 0", async () => {
    const before = await cli(["user", "export"]);
    const again = await cli(["user", "import", fixture, ...FIREBASE_FLAGS, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    const report = json(again);
    expect(report).toMatchObject({ created: 0, exists: people.length, refused: 0 });
    expect((report.lines as { status: string }[]).every((l) => l.status === "exists")).toBe(true);
    expect((await cli(["user", "export"])).stdout).toBe(before.stdout);
    const text = await cli(["user", "import", fixture, ...FIREBASE_FLAGS]);
    expect(text.stdout.trim()).toBe(
      `0 created, ${people.length} already there (left as they are), 0 refused`,
    );
  });

  it("refuses each bad line with its line number and why (never the hash), imports the good ones, exit code 1", async () => {
    const bcrypt = (await foreignHash("bcrypt $2b$ (bcryptjs)", "a good password")) as string;
    const lines: (string | Record<string, unknown>)[] = [
      { username: "bad-ok", email: "ok@example.com", password_hash: bcrypt },
      { username: "bad-format", password_hash: "$1$saltsalt$hcgaMHFxdvHE7AKsBkvmK0" },
      { email: "no-username@example.com", password_hash: bcrypt },
      { username: "bad-email", email: "not an address", password_hash: bcrypt },
      `{"username": "bad-json", "password_hash": "${bcrypt}"`,
      { username: "bad-ok", password_hash: bcrypt },
      { username: "bad-plain", password: "hunter2 hunter2" },
      { username: "bad-field", passwordHash: bcrypt },
      { username: "bad-cost", password_hash: bcrypt.replace(/^\$2b\$04\$/, "$2b$20$") },
      {
        username: "bad-firebase",
        password_hash: { algorithm: "firebase-scrypt", hash: "aGFzaA==", salt: "c2FsdA==" },
      },
      { username: "bad-verified", email_verified: true, password_hash: bcrypt },
      { username: "bad-roles", roles: "admin", password_hash: bcrypt },
      { username: "bad name!", password_hash: bcrypt },
      [1, 2, 3] as unknown as Record<string, unknown>,
      "",
      { username: "bad-existing", password_hash: bcrypt },
    ];
    const existing = await createUser(server.ctx, {
      username: "bad-existing",
      password: "made before the import",
    });
    const file = writeLines(lines);
    const result = await cli(["user", "import", file, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(bcrypt.slice(7));
    expect(JSON.parse(result.stderr)).toEqual({
      error: "13 of 15 lines refused; nothing was changed for them",
    });
    const report = json(result);
    expect(report).toMatchObject({ created: 1, exists: 1, refused: 13 });
    const reasons = Object.fromEntries(
      (report.lines as { line: number; status: string; reason?: string }[]).map((l) => [
        l.line,
        l.reason ?? l.status,
      ]),
    );
    expect(reasons).toEqual({
      1: "created",
      2: expect.stringMatching(/^password_hash: unknown hash format; accepted: \$argon2id\$/),
      3: "username: missing",
      4: "email: not an e-mail address (name@example.com)",
      5: "not JSON: each line is one JSON object",
      6: 'username "bad-ok" is repeated: first on line 1',
      7: "password: plain-text passwords are not imported; give password_hash (the hash the old system stored)",
      8: expect.stringMatching(/^unknown field "passwordHash"; the fields are username, email,/),
      9: "password_hash: bcrypt cost must be between 4 and 14, not 20",
      10: expect.stringMatching(/^password_hash: firebase-scrypt: no signer_key \(--firebase-signer-key\)/),
      11: "email verified: give the email address too",
      12: expect.stringMatching(/^roles: not a list of role names/),
      13: expect.stringMatching(/^username: 1-64 characters/),
      14: "not a JSON object: each line is one JSON object",
      16: "exists",
    });
    // Nothing was made for a refused line, and the existing user is as it was.
    expect(await server.ctx.durable.users.get(existing.id)).toEqual(existing);
    for (const name of [
      "bad-format",
      "bad-email",
      "bad-json",
      "bad-plain",
      "bad-field",
      "bad-cost",
      "bad-firebase",
    ])
      expect(await server.ctx.durable.users.getByUsername(name), name).toBeUndefined();
    // The text report names each refused line.
    const text = await cli(["user", "import", file]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("line 2 (bad-format): refused: password_hash: unknown hash format");
    expect(text.stdout).toContain("line 5: refused: not JSON");
    expect(text.stdout.trim().split("\n").at(-1)).toBe(
      "0 created, 2 already there (left as they are), 13 refused",
    );
    expect(text.stderr).toBe("frontdesk: 13 of 15 lines refused; nothing was changed for them\n");
  });

  it("reads the file from standard input with -", async () => {
    const hash = (await foreignHash("pbkdf2_sha256 (Django)", "from standard input")) as string;
    const result = await cli(
      ["user", "import", "-", "--json"],
      `${JSON.stringify({ username: "from-stdin", password_hash: hash })}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({
      created: 1,
      lines: [{ line: 1, status: "created", username: "from-stdin" }],
    });
  });

  it("refuses a file it cannot read and Firebase parameters that are not numbers, changing nothing", async () => {
    const missing = await cli(["user", "import", join(tempDir(), "nope.jsonl")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^frontdesk: cannot open .*nope\.jsonl: ENOENT\n$/);
    const rounds = await cli(["user", "import", fixture, "--firebase-rounds", "eight"]);
    expect(rounds.code).toBe(1);
    expect(rounds.stderr).toBe('frontdesk: --firebase-rounds: "eight" is not a whole number above 0\n');
  });

  it("exports every user in the same format to a new file of mode 0600; the export imports into a fresh server as it was", async () => {
    const file = join(tempDir(), "export.jsonl");
    const result = await cli(["user", "export", file, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const users = await server.ctx.durable.users.list();
    expect(json(result)).toEqual({ exported: users.length, file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const line of lines) expect(Object.keys(line)).toEqual([...USER_FILE_FIELDS]);
    expect(lines.find((l) => l.username === "imported-0")).toMatchObject({
      email: "imported-0@example.com",
      email_verified: true,
      name: expect.stringMatching(/^Person 0/),
      roles: ["imported", "format-0"],
      tenant: null,
      disabled: false,
      password_hash: expect.stringMatching(OWN_HASH),
    });
    // A hash not yet replaced leaves as it came in.
    expect(lines.find((l) => l.username === "from-stdin")?.password_hash).toMatch(/^pbkdf2_sha256\$1000\$/);
    // Without a file: the same lines on standard output.
    expect((await cli(["user", "export"])).stdout).toBe(text);

    // An existing file is never overwritten.
    const again = await cli(["user", "export", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists: export writes a new file");
    expect(readFileSync(file, "utf8")).toBe(text);

    // Round trip: a fresh data directory (its own SQLite file) imports the export as it was
    // (in another order: users made in the same second are listed by username).
    const fresh = tempDir();
    const imported = await runCli(["user", "import", file, "--data-dir", fresh, "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ created: users.length, refused: 0 });
    const reexported = await runCli(["user", "export", "--data-dir", fresh]);
    const sorted = (t: string) => t.trim().split("\n").sort();
    expect(sorted(reexported.stdout)).toEqual(sorted(text));
  });

  it("a disabled user's line keeps them disabled", async () => {
    const hash = (await foreignHash("argon2id", "disabled person")) as string;
    const file = writeLines([{ username: "imported-disabled", password_hash: hash, disabled: true }]);
    expect((await cli(["user", "import", file])).code).toBe(0);
    const browser = new FormBrowser(server.issuer);
    const page = await browser.follow("/login");
    const done = await browser.submit(await page.response.text(), {
      username: "imported-disabled",
      password: "disabled person",
    });
    expect(done.response.status).toBe(401);
    expect((await server.ctx.durable.users.getByUsername("imported-disabled"))?.passwordHash).toBe(hash);
  });

  it("docs/migrating-users.md's example file imports as the page says, and each person with a password signs in with `example password`", async () => {
    const example = docSnippet("migrating-users.md", "example-users");
    const result = await cli(["user", "import", "-", ...FIREBASE_FLAGS], example);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("11 created, 0 already there (left as they are), 0 refused");
    for (const line of example.trim().split("\n")) {
      const { username, password_hash } = JSON.parse(line) as { username: string; password_hash?: unknown };
      const browser = new FormBrowser(server.issuer);
      const page = await browser.follow("/login");
      const done = await browser.submit(await page.response.text(), {
        username,
        password: "example password",
      });
      if (password_hash === undefined) expect(done.response.status, username).toBe(401);
      else expect(done.url, username).toMatch(/\/account$/);
    }
    expect(await server.ctx.durable.users.getByUsername("example-bcrypt")).toMatchObject({
      email: "bcrypt@example.com",
      emailVerified: true,
      name: "Ann Bcrypt",
      roles: ["support"],
      passwordHash: expect.stringMatching(OWN_HASH),
    });
  });

  it("the README's example file imports, and Bob and Carol sign in with the passwords it names", async () => {
    const readme = readFileSync(join(import.meta.dirname, "../../../../README.md"), "utf8");
    const file = /cat > users\.jsonl <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(readme)?.[1];
    if (!file) throw new Error("README has no users.jsonl example");
    const usernames = file.split("\n").map((l) => (JSON.parse(l) as { username: string }).username);
    expect(usernames).toEqual(["bob", "carol"]);
    const result = await cli(["user", "import", "-"], file);
    expect(result.stdout.trim()).toBe("2 created, 0 already there (left as they are), 0 refused");
    for (const [username, password] of [
      ["bob", "bob's old password"],
      ["carol", "carol's old password"],
    ] as const) {
      const browser = new FormBrowser(server.issuer);
      const page = await browser.follow("/login");
      expect((await browser.submit(await page.response.text(), { username, password })).url).toMatch(
        /\/account$/,
      );
    }
  });

  it("regression: a sign-in replacing an imported hash never undoes a password change made meanwhile", async () => {
    const hash = (await foreignHash("scrypt $scrypt$ (PHC)", "the old password")) as string;
    const file = writeLines([{ username: "imported-raced", password_hash: hash }]);
    expect((await cli(["user", "import", file])).code).toBe(0);
    // The sign-in read the user (and checked the old password) before the change landed.
    const seenAtSignIn = await server.ctx.durable.users.getByUsername("imported-raced");
    if (!seenAtSignIn) throw new Error("not imported");
    const changed = await hashPassword("the new password");
    await server.ctx.durable.users.update(seenAtSignIn.id, { passwordHash: changed });
    expect(await upgradePasswordHash(server.ctx, seenAtSignIn, "the old password")).toBe(false);
    expect((await server.ctx.durable.users.get(seenAtSignIn.id))?.passwordHash).toBe(changed);
  });
});
