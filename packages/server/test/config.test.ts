import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dataDirProblem } from "../src/config/data-dir.js";
import { ConfigError } from "../src/config/errors.js";
import { loadServerConfig as loadConfig } from "../src/main/config.js";
import { tempDir } from "./helpers/server.js";

const SECRET = "s".repeat(40);
const dirs: string[] = [];
function dir(file?: Record<string, unknown>): string {
  const d = tempDir("frontdesk-config-");
  dirs.push(d);
  if (file) writeFileSync(join(d, "frontdesk.json"), JSON.stringify(file));
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The ConfigError loadConfig throws, or a failure if it does not. */
function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("precedence: flags > env > file (frontdesk.json in the data dir)", () => {
    const dataDir = dir({ port: 1111, accessTokenTtl: 100, logLevel: "debug" });
    const env = { FRONTDESK_PORT: "2222", FRONTDESK_ACCESS_TOKEN_TTL: "200" };
    const all = loadConfig({ env, flags: { dataDir, port: 3333 } });
    expect(all.port).toBe(3333);
    expect(all.accessTokenTtl).toBe(200);
    expect(all.logLevel).toBe("debug");
    const noFlag = loadConfig({ env, flags: { dataDir } });
    expect(noFlag.port).toBe(2222);
    const fileOnly = loadConfig({ env: {}, flags: { dataDir } });
    expect(fileOnly.port).toBe(1111);
    expect(fileOnly.accessTokenTtl).toBe(100);
  });

  it("undefined flags do not hide the environment (commander leaves unset options undefined)", () => {
    const dataDir = dir();
    const config = loadConfig({ env: { FRONTDESK_PORT: "4444" }, flags: { dataDir, port: undefined } });
    expect(config.port).toBe(4444);
  });

  it("the data dir from the environment locates the file; an explicit config file wins over it", () => {
    const dataDir = dir({ port: 1234 });
    expect(loadConfig({ env: { FRONTDESK_DATA_DIR: dataDir } }).port).toBe(1234);
    const other = dir();
    const explicit = join(other, "custom.json");
    writeFileSync(explicit, JSON.stringify({ port: 5678 }));
    expect(loadConfig({ env: {}, flags: { dataDir }, configFile: explicit }).port).toBe(5678);
  });

  it("defaults: issuer from the port, resources from the issuer, 10-minute tokens, ES256", () => {
    const config = loadConfig({ env: {}, flags: { dataDir: dir(), port: 4000 } });
    expect(config.issuer).toBe("http://localhost:4000");
    expect(config.resources).toEqual(["http://localhost:4000/api"]);
    expect(config.accessTokenTtl).toBe(600);
    expect(config.signingAlg).toBe("ES256");
    expect(config.mode).toBe("development");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lists from the environment are space- or comma-separated", () => {
    const config = loadConfig({
      env: { FRONTDESK_RESOURCES: "https://a.example.com, https://b.example.com", FRONTDESK_SCOPES: "x y,z" },
      flags: { dataDir: dir() },
    });
    expect(config.resources).toEqual(["https://a.example.com", "https://b.example.com"]);
    expect(config.scopes).toEqual(["x", "y", "z"]);
  });

  it("FRONTDESK_PORT=abc: the error names the key and the environment variable", () => {
    const message = problemsOf(() =>
      loadConfig({ env: { FRONTDESK_PORT: "abc" }, flags: { dataDir: dir() } }),
    );
    expect(message).toContain("port");
    expect(message).toContain("FRONTDESK_PORT");
  });

  it('--port abc: the message quotes the value and gives the range ("abc" is not a port number; use 0-65535), not "expected number, received NaN"', () => {
    for (const given of [{ flags: { port: "abc" } }, { env: { FRONTDESK_PORT: "abc" } }]) {
      const message = problemsOf(() =>
        loadConfig({ env: given.env ?? {}, flags: { dataDir: dir(), ...given.flags } }),
      );
      expect(message).toContain('port (env FRONTDESK_PORT, --port): "abc" is not a port number; use 0-65535');
      expect(message).not.toMatch(/NaN/);
    }
    for (const bad of ["70000", "-1", "80.5", "", 3.5])
      expect(problemsOf(() => loadConfig({ env: {}, flags: { dataDir: dir(), port: bad } }))).toContain(
        `${JSON.stringify(String(bad))} is not a port number; use 0-65535`,
      );
    expect(loadConfig({ env: {}, flags: { dataDir: dir(), port: "8080" } }).port).toBe(8080);
    expect(loadConfig({ env: {}, flags: { dataDir: dir(), port: 0 } }).port).toBe(0);
  });

  it("FRONTDESK_ISSUER=localhost:3000 (no scheme) is refused saying to write http://localhost:3000, not that it must be https", () => {
    const message = problemsOf(() =>
      loadConfig({ env: { FRONTDESK_ISSUER: "localhost:3000" }, flags: { dataDir: dir() } }),
    );
    expect(message).toContain(
      'issuer (env FRONTDESK_ISSUER, --issuer): "localhost:3000" has no scheme: write http://localhost:3000 (development) or https://localhost:3000',
    );
    expect(message).not.toMatch(/must be an https/);
    // Not localhost: only https is suggested.
    expect(
      problemsOf(() =>
        loadConfig({ env: { FRONTDESK_ISSUER: "id.example.com" }, flags: { dataDir: dir() } }),
      ),
    ).toContain('"id.example.com" has no scheme: write https://id.example.com');
    // What the message says to write is accepted.
    expect(
      loadConfig({ env: { FRONTDESK_ISSUER: "http://localhost:3000" }, flags: { dataDir: dir() } }).issuer,
    ).toBe("http://localhost:3000");
  });

  it("Keys without a flag are not described as having one: --port is named for port, only the file for signingAlg", () => {
    const message = problemsOf(() =>
      loadConfig({
        env: { FRONTDESK_PORT: "abc", FRONTDESK_SIGNING_ALG: "none", FRONTDESK_HOST: "" },
        flags: { dataDir: dir(), host: "" },
      }),
    );
    expect(message).toContain("port (env FRONTDESK_PORT, --port)");
    expect(message).toContain("host (env FRONTDESK_HOST, --host)");
    expect(message).toContain('signingAlg (env FRONTDESK_SIGNING_ALG or "signingAlg" in the file)');
    expect(message).not.toMatch(/flag/);
    const ttl = problemsOf(() => loadConfig({ env: {}, flags: { dataDir: dir(), accessTokenTtl: 5000 } }));
    expect(ttl).toContain('accessTokenTtl (env FRONTDESK_ACCESS_TOKEN_TTL or "accessTokenTtl" in the file)');
  });

  it("accessTokenTtl 5000 without allowLongAccessTokens is refused, naming the key, the variable and the fix", () => {
    const message = problemsOf(() =>
      loadConfig({ env: {}, flags: { dataDir: dir(), accessTokenTtl: 5000 } }),
    );
    expect(message).toContain("accessTokenTtl");
    expect(message).toContain("FRONTDESK_ACCESS_TOKEN_TTL");
    expect(message).toContain("allowLongAccessTokens");
    const allowed = loadConfig({
      env: {},
      flags: { dataDir: dir(), accessTokenTtl: 5000, allowLongAccessTokens: true },
    });
    expect(allowed.accessTokenTtl).toBe(5000);
    expect(allowed.warnings.join("\n")).toContain("5000");
  });

  it('boolean environment variables: "false" means false (not a truthy string)', () => {
    const message = problemsOf(() =>
      loadConfig({
        env: { FRONTDESK_ACCESS_TOKEN_TTL: "5000", FRONTDESK_ALLOW_LONG_ACCESS_TOKENS: "false" },
        flags: { dataDir: dir() },
      }),
    );
    expect(message).toContain("accessTokenTtl");
    const on = loadConfig({
      env: { FRONTDESK_ACCESS_TOKEN_TTL: "5000", FRONTDESK_ALLOW_LONG_ACCESS_TOKENS: "true" },
      flags: { dataDir: dir() },
    });
    expect(on.allowLongAccessTokens).toBe(true);
    const proxy = loadConfig({ env: { FRONTDESK_TRUST_PROXY: "false" }, flags: { dataDir: dir() } });
    expect(proxy.trustProxy).toBe(false);
    const bad = problemsOf(() =>
      loadConfig({ env: { FRONTDESK_TRUST_PROXY: "maybe" }, flags: { dataDir: dir() } }),
    );
    expect(bad).toContain("FRONTDESK_TRUST_PROXY");
  });

  it("production refuses an http:// issuer that is not localhost, even with allowInsecureIssuer=false from the env", () => {
    const base = { mode: "production", keyEncryptionSecret: SECRET, dataDir: dir() };
    const message = problemsOf(() =>
      loadConfig({ env: {}, flags: { ...base, issuer: "http://auth.example.com" } }),
    );
    expect(message).toContain("issuer");
    expect(message).toContain("https");
    const envFalse = problemsOf(() =>
      loadConfig({
        env: { FRONTDESK_ALLOW_INSECURE_ISSUER: "false" },
        flags: { ...base, issuer: "http://auth.example.com" },
      }),
    );
    expect(envFalse).toContain("issuer");
    // localhost and https are fine.
    expect(loadConfig({ env: {}, flags: { ...base, issuer: "http://localhost:3000" } }).issuer).toBe(
      "http://localhost:3000",
    );
    expect(loadConfig({ env: {}, flags: { ...base, issuer: "https://auth.example.com/" } }).issuer).toBe(
      "https://auth.example.com",
    );
  });

  it("production with the explicit allowInsecureIssuer opt-in starts, with a warning", () => {
    const config = loadConfig({
      env: {},
      flags: {
        mode: "production",
        keyEncryptionSecret: SECRET,
        dataDir: dir(),
        issuer: "http://auth.internal",
        allowInsecureIssuer: true,
      },
    });
    expect(config.warnings.join("\n")).toMatch(/allowInsecureIssuer/);
  });

  it("production refuses a missing keyEncryptionSecret, naming the variable", () => {
    const dataDir = dir();
    const message = problemsOf(() =>
      loadConfig({ env: {}, flags: { mode: "production", issuer: "https://auth.example.com", dataDir } }),
    );
    expect(message).toContain("keyEncryptionSecret");
    expect(message).toContain("FRONTDESK_KEY_ENCRYPTION_SECRET");
    expect(existsSync(join(dataDir, "dev-key-encryption-secret"))).toBe(false);
  });

  it("a keyEncryptionSecret shorter than 32 characters is refused", () => {
    const message = problemsOf(() =>
      loadConfig({ env: { FRONTDESK_KEY_ENCRYPTION_SECRET: "short" }, flags: { dataDir: dir() } }),
    );
    expect(message).toContain("keyEncryptionSecret");
  });

  it("development generates a secret in the data dir (owner-only), reuses it, and warns", () => {
    const dataDir = dir();
    const first = loadConfig({ env: {}, flags: { dataDir } });
    const file = join(dataDir, "dev-key-encryption-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first.keyEncryptionSecret);
    expect(first.keyEncryptionSecret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(first.warnings.join("\n")).toMatch(/development mode: using a generated key-encryption secret/);
    expect(first.warnings.join("\n")).toContain("FRONTDESK_KEY_ENCRYPTION_SECRET");
    const second = loadConfig({ env: {}, flags: { dataDir } });
    expect(second.keyEncryptionSecret).toBe(first.keyEncryptionSecret);
  });

  it("a configured secret is used as is, without a development warning", () => {
    const config = loadConfig({
      env: { FRONTDESK_KEY_ENCRYPTION_SECRET: SECRET },
      flags: { dataDir: dir() },
    });
    expect(config.keyEncryptionSecret).toBe(SECRET);
    expect(config.warnings.join("\n")).not.toMatch(/development mode/);
  });

  it("unknown keys in the file are refused, by name", () => {
    const dataDir = dir({ port: 3000, acessTokenTtl: 60 });
    const message = problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }));
    expect(message).toContain("acessTokenTtl");
    expect(message).toMatch(/unknown key/);
  });

  it("a config file that is not a JSON object is refused, naming the file", () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, "frontdesk.json"), "{ not json");
    expect(problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }))).toContain("frontdesk.json");
    writeFileSync(join(dataDir, "frontdesk.json"), "[1, 2]");
    expect(problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }))).toContain("JSON object");
  });

  it("a missing explicit config file is an error, not silently ignored", () => {
    const message = problemsOf(() =>
      loadConfig({ env: {}, flags: { dataDir: dir() }, configFile: join(dir(), "nope.json") }),
    );
    expect(message).toContain("nope.json");
  });

  it.each([
    ["an issuer with a query", { issuer: "https://auth.example.com/?x=1" }, "issuer"],
    ["an issuer that is not http(s)", { issuer: "ftp://auth.example.com" }, "issuer"],
    ["an unknown signing algorithm", { signingAlg: "HS256" }, "signingAlg"],
    ["an unknown log format", { logFormat: "colourful" }, "logFormat"],
    ["a port out of range", { port: 70000 }, "port"],
    ["a non-URL resource", { resources: ["not a url"] }, "resources"],
    [
      "an idle session longer than the absolute one",
      { sessionIdleTtl: 100, sessionAbsoluteTtl: 50 },
      "sessionIdleTtl",
    ],
  ])("%s is refused, naming the key", (_what, flags, key) => {
    expect(problemsOf(() => loadConfig({ env: {}, flags: { dataDir: dir(), ...flags } }))).toContain(key);
  });

  it("reports every problem at once", () => {
    const message = problemsOf(() =>
      loadConfig({
        env: { FRONTDESK_PORT: "abc", FRONTDESK_SIGNING_ALG: "none" },
        flags: { dataDir: dir() },
      }),
    );
    expect(message).toContain("FRONTDESK_PORT");
    expect(message).toContain("FRONTDESK_SIGNING_ALG");
  });
});

describe("the data folder: problems name dataDir and the fix, not an errno", () => {
  const runningAsRoot = process.getuid?.() === 0;

  it("an unwritable data folder: EACCES is mapped to 'cannot write to …: permission denied; choose a folder you can write to'", () => {
    const message = dataDirProblem(
      Object.assign(new Error("EACCES: permission denied, open '/x/dev-key-encryption-secret.1.ab'"), {
        code: "EACCES",
      }),
      "/x",
    );
    expect(message).toBe(
      "dataDir (env FRONTDESK_DATA_DIR, --data-dir): cannot write to /x: permission denied; choose a folder you can write to",
    );
    expect(dataDirProblem({ code: "EPERM" }, "/x")).toBe(message);
    expect(dataDirProblem({ code: "EROFS" }, "/x")).toContain("cannot write to /x: read-only file system");
  });

  it.skipIf(runningAsRoot)(
    "an unwritable data folder (EACCES) is refused before anything is written (skipped as root: chmod does not stop root writing)",
    () => {
      const parent = dir();
      chmodSync(parent, 0o500);
      try {
        const dataDir = join(parent, "data");
        const message = problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }));
        expect(message).toContain(`dataDir (env FRONTDESK_DATA_DIR, --data-dir): cannot write to ${dataDir}`);
        expect(message).toContain("choose a folder you can write to");
        expect(message).not.toMatch(/EACCES|dev-key-encryption-secret/);
      } finally {
        chmodSync(parent, 0o700);
      }
    },
  );

  it("an unwritable data folder: a dataDir below a regular file (ENOTDIR) names dataDir, the file in the way and the fix", () => {
    const file = join(dir(), "plain-file");
    writeFileSync(file, "x");
    const dataDir = join(file, "data");
    const message = problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }));
    expect(message).toContain(
      `dataDir (env FRONTDESK_DATA_DIR, --data-dir): cannot create ${dataDir}: ${file} is a file, not a folder; choose another folder`,
    );
    expect(message).not.toMatch(/ENOTDIR|dev-key-encryption-secret/);
  });

  it("a data folder path that is a file (EEXIST) names dataDir and says it is a file", () => {
    const dataDir = join(dir(), "data");
    writeFileSync(dataDir, "x");
    const message = problemsOf(() => loadConfig({ env: {}, flags: { dataDir } }));
    expect(message).toContain(
      `dataDir (env FRONTDESK_DATA_DIR, --data-dir): ${dataDir} is a file, not a folder; remove it or choose another folder`,
    );
    expect(message).not.toMatch(/EEXIST/);
  });

  it("reports the data folder with the other problems, and checks it only when something lives there", () => {
    const dataDir = join(dir(), "data");
    writeFileSync(dataDir, "x");
    const both = problemsOf(() => loadConfig({ env: {}, flags: { dataDir, accessTokenTtl: 5000 } }));
    expect(both).toContain("accessTokenTtl");
    expect(both).toContain("dataDir");
    // PostgreSQL, Redis and a configured secret: nothing is kept in the data folder.
    const external = loadConfig({
      env: {},
      flags: {
        dataDir,
        mode: "production",
        issuer: "https://id.example.com",
        keyEncryptionSecret: SECRET,
        databaseUrl: "postgres://db/frontdesk",
        redisUrl: "redis://redis:6379",
      },
    });
    expect(external.dataDir).toBe(dataDir);
  });

  it("a data folder that does not exist yet is created (development)", () => {
    const dataDir = join(dir(), "a", "b");
    mkdirSync(join(dataDir, ".."), { recursive: true });
    loadConfig({ env: {}, flags: { dataDir } });
    expect(existsSync(join(dataDir, "dev-key-encryption-secret"))).toBe(true);
  });
});

describe("loadConfig: email (smtpUrl, emailFrom)", () => {
  const load = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ env, flags: { dataDir: dir(), ...flags } });

  it("reads smtpUrl and emailFrom from the file, the environment or flags", () => {
    const config = load(
      {},
      {
        FRONTDESK_SMTP_URL: "smtp://mailer:pw@smtp.example.com:587",
        FRONTDESK_EMAIL_FROM: "Frontdesk <id@example.com>",
      },
    );
    expect(config.smtpUrl).toBe("smtp://mailer:pw@smtp.example.com:587");
    expect(config.emailFrom).toBe("Frontdesk <id@example.com>");
    expect(load({ smtpUrl: "smtps://smtp.example.com", emailFrom: "id@example.com" }).smtpUrl).toBe(
      "smtps://smtp.example.com",
    );
    expect(load({}).smtpUrl).toBeUndefined();
  });

  it("refuses an smtpUrl that is not smtp:// or smtps://, without repeating it (it may hold a password)", () => {
    for (const bad of [
      "http://mailer:hunter2@smtp.example.com",
      "mailer:hunter2@smtp.example.com:587",
      "smtp://",
    ]) {
      const message = problemsOf(() => load({ smtpUrl: bad, emailFrom: "id@example.com" }));
      expect(message).toContain(
        'smtpUrl (env FRONTDESK_SMTP_URL or "smtpUrl" in the file): must be a URL starting with smtp:// or smtps://',
      );
      expect(message).not.toContain("hunter2");
    }
  });

  it("needs emailFrom with smtpUrl, and an address in it", () => {
    expect(problemsOf(() => load({ smtpUrl: "smtp://smtp.example.com" }))).toContain(
      'emailFrom (env FRONTDESK_EMAIL_FROM or "emailFrom" in the file): required with smtpUrl',
    );
    for (const bad of [
      "Frontdesk",
      "id@",
      "id@localhost",
      "a@b.com, c@d.com",
      "Name <id@example.com",
      "id@example.com\r\nBcc: x@y.com",
    ])
      expect(problemsOf(() => load({ smtpUrl: "smtp://smtp.example.com", emailFrom: bad }))).toContain(
        'emailFrom (env FRONTDESK_EMAIL_FROM or "emailFrom" in the file): must be an address',
      );
    for (const good of [
      "id@example.com",
      "Frontdesk <no-reply@id.example.com>",
      '"Frontdesk, Inc." <id@example.com>',
    ])
      expect(load({ smtpUrl: "smtp://smtp.example.com", emailFrom: good }).emailFrom).toBe(good);
  });
});
