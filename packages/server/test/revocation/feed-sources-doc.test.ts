import { readdirSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../../..");
const src = resolve(root, "packages/server/src");
const doc = readFileSync(resolve(root, "docs/revocation-feed.md"), "utf8");

type EventType = "jti" | "sid" | "sub" | "client";

/**
 * The calls that put events on the feed, directly (`Revocations`, whose session-end
 * listener turns every ended session into `sid`) or through the functions every caller
 * shares. A durable-store call (`durable.refreshTokens.revokeFamiliesOf`) emits nothing.
 */
const EMITTING_CALLS: { call: RegExp; emits: EventType[] }[] = [
  { call: /\brevocations\.revokeAccessToken\(/g, emits: ["jti"] },
  { call: /(?<!durable\.)\brefreshTokens\.revokeFamil(?:y|iesOf)\(|\bthis\.revokeFamily\(/g, emits: ["jti"] },
  { call: /\bsessions\.(?:end|endBySid|endAllForUser)\(/g, emits: ["sid"] },
  { call: /\brevocations\.endSession\(/g, emits: ["sid"] },
  { call: /\brevocations\.revokeSubject\(/g, emits: ["sub"] },
  { call: /\brevocations\.revokeClient\(/g, emits: ["client"] },
  // The shared functions, called or passed on (`{ act: revokeUser }`): any use but the definition.
  {
    call: /(?<!function )\b(?:revokeUser|disableUser|deleteUser|replacePassword)\b/g,
    emits: ["sub", "sid", "jti"],
  },
  { call: /(?<!function )\bresetSecondFactors\b/g, emits: ["sid"] },
  { call: /(?<!function )\bdeleteClient\b/g, emits: ["client"] },
];

/**
 * Every file of src that makes such calls, how many, and the rows of the doc's table
 * (by a phrase of their first cell) that name what causes them. `shared` files hold
 * the functions above, whose callers are the causes.
 */
const CALLERS: Record<string, { calls: number; rows?: string[]; shared?: string }> = {
  "features/revocation/token-types.ts": { calls: 2, rows: ["revoked at `/revoke`"] },
  "features/authorization-code/grant.ts": { calls: 4, rows: ["authorization code replayed"] },
  "tokens/refresh-tokens.ts": { calls: 4, rows: ["refresh token used twice"] },
  "features/refresh-token/grant.ts": { calls: 1, rows: ["no longer active"] },
  "features/account/routes.ts": {
    calls: 4,
    rows: ["access withdrawn on the account page", "session ended on the account page"],
  },
  "features/logout/routes.ts": { calls: 1, rows: ["sign-out at `/logout`"] },
  "interaction/flow.ts": { calls: 1, rows: ["new sign-in in the same browser"] },
  "features/second-factor/reset.ts": { calls: 2, rows: ["second factors reset"] },
  "cli/commands/user-mfa.ts": { calls: 1, rows: ["second factors reset"] },
  "cli/commands/user.ts": { calls: 3, rows: ["user revoke, disable or delete"] },
  "features/admin/api.ts": { calls: 4, rows: ["user revoke, disable or delete", "client delete"] },
  "features/admin/pages.ts": { calls: 3, rows: ["user revoke, disable or delete", "client delete"] },
  "features/account/password.ts": { calls: 1, rows: ["password change on the account page"] },
  "features/password-reset/routes.ts": { calls: 1, rows: ["password reset through an emailed link"] },
  "cli/commands/client.ts": { calls: 1, rows: ["client delete"] },
  "features/dynamic-registration/routes.ts": { calls: 1, rows: ["client delete"] },
  "users/users.ts": { calls: 5, shared: "revokeUser, disableUser, deleteUser" },
  "users/password-changes.ts": { calls: 1, shared: "replacePassword" },
  "clients/registration.ts": { calls: 1, shared: "deleteClient" },
  "main/services.ts": { calls: 1, shared: "the session-end listener that emits sid" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The code of a file without what is not code: comments, imports, and the text of
 * string literals (an OpenAPI description that says "as revokeUser does" calls nothing).
 */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/^import [\s\S]*?;$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

/**
 * Per file of src: the emitting calls it makes and the events they lead to. Revocations
 * itself and the stores (whose own `revokeFamily` records, and emits nothing) aside.
 */
function emittingCallers(): Map<string, { calls: number; emits: Set<EventType> }> {
  const found = new Map<string, { calls: number; emits: Set<EventType> }>();
  for (const file of sourceFiles(src)) {
    const name = relative(src, file);
    if (name === "revocation/revocations.ts" || name.startsWith("storage/")) continue;
    const text = code(file);
    for (const { call, emits } of EMITTING_CALLS) {
      const calls = [...text.matchAll(call)].length;
      if (!calls) continue;
      const entry = found.get(name) ?? { calls: 0, emits: new Set<EventType>() };
      entry.calls += calls;
      for (const type of emits) entry.emits.add(type);
      found.set(name, entry);
    }
  }
  return found;
}

/** The doc's table of causes: first cell, and the event types its second cell names. */
function documentedCauses(): { cause: string; emits: Set<string> }[] {
  const table = doc.slice(doc.indexOf("Server emissions today"), doc.indexOf("## HTTP transport"));
  return [...table.matchAll(/^\| (.+?) +\| ((?:`[a-z]+`(?:, )?)+) +\|$/gm)].map((m) => ({
    cause: m[1] as string,
    emits: new Set([...(m[2] as string).matchAll(/`([a-z]+)`/g)].map((t) => t[1] as string)),
  }));
}

describe("docs/revocation-feed.md names every cause of a revocation event the server emits", () => {
  it("only Revocations appends events to the feed", () => {
    const appending = sourceFiles(src)
      .filter((file) => /\.appendEvent\(/.test(code(file)))
      .map((file) => relative(src, file));
    expect(appending).toEqual(["revocation/revocations.ts"]);
  });

  it("the files that emit events are the ones listed here, with as many emitting calls", () => {
    const found = emittingCallers();
    const counts = (entries: [string, { calls: number }][]) =>
      Object.fromEntries(entries.map(([file, { calls }]) => [file, calls]).sort());
    // A new or removed call fails here: add its cause to the doc's table, and here.
    expect(counts([...found])).toEqual(counts(Object.entries(CALLERS)));
  });

  it("each caller's causes are rows of the doc's table that name exactly the events its calls emit", () => {
    const causes = documentedCauses();
    expect(causes.length).toBeGreaterThan(8);
    const found = emittingCallers();
    for (const [file, { rows, shared }] of Object.entries(CALLERS)) {
      if (shared) continue;
      const documented = new Set<string>();
      for (const phrase of rows ?? []) {
        const matching = causes.filter((c) => c.cause.includes(phrase));
        expect(matching, `${file}: one row with "${phrase}"`).toHaveLength(1);
        for (const type of (matching[0] as { emits: Set<string> }).emits) documented.add(type);
      }
      expect([...documented].sort(), file).toEqual([...(found.get(file)?.emits ?? [])].sort());
    }
  });

  it("every row of the table is the cause of some call", () => {
    const phrases = Object.values(CALLERS).flatMap((c) => c.rows ?? []);
    for (const { cause } of documentedCauses())
      expect(
        phrases.some((p) => cause.includes(p)),
        cause,
      ).toBe(true);
  });

  it("the event types of the table are the feed's event types", () => {
    const events = readFileSync(resolve(src, "revocation/events.ts"), "utf8");
    const declared = /type: ((?:"[a-z]+"(?: \| )?)+);/.exec(events)?.[1] ?? "";
    const types = [...declared.matchAll(/"([a-z]+)"/g)].map((m) => m[1]).sort();
    expect(types).toEqual(["client", "jti", "sid", "sub"]);
    expect([...new Set(documentedCauses().flatMap((c) => [...c.emits]))].sort()).toEqual(types);
  });
});
