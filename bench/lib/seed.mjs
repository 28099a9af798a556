// Stored records seeded straight into a stopped Frontdesk's SQLite files (frontdesk.db and
// fast.db in its data directory), for the growth scenario. Every seeded row is a copy of a
// row Frontdesk itself wrote during a real sign-in and code flow (the templates), with new
// ids and keys hashed the way Frontdesk hashes them (SHA-256 hex of 256-bit random secrets),
// so the schema, the indexes and the row sizes are the real ones.
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import SQLite from "better-sqlite3";

const hashToken = (token) => createHash("sha256").update(token).digest("hex");
const newId = () => randomBytes(16).toString("hex");
const newSecret = () => randomBytes(32).toString("base64url");

function open(file) {
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * For seeding only (the server is stopped, the data is throwaway): no fsync and a large page
 * cache, so a million random-key inserts stay in memory. Frontdesk sets WAL again on open.
 */
function openForSeeding(file) {
  const db = new SQLite(file);
  db.pragma("journal_mode = MEMORY");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  return db;
}

/** Inserts `rows` rows built by `build(i)` with one prepared statement, in batches of transactions. */
function bulk(db, table, columns, rows, build) {
  const insert = db.prepare(
    `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
  );
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert.run(build(i));
  });
  for (let from = 0; from < rows; from += 100_000) batch(from, Math.min(rows, from + 100_000));
}

/**
 * Seeds `rows` users, refresh-token families (one live token each) and sessions (with their
 * per-user set entry), copies of the bench user's; and `live` more families for the web
 * client whose plaintext tokens are returned (the refresh load presents them).
 */
export function seedRecords(dataDir, { username, clientId, rows, live }) {
  const durable = openForSeeding(join(dataDir, "frontdesk.db"));
  const fast = openForSeeding(join(dataDir, "fast.db"));
  try {
    const user = durable.prepare("select * from users where username = ?").get(username);
    const userId = user?.id;
    const family = durable
      .prepare("select * from refresh_families where user_id = ? and client_id = ? limit 1")
      .get(userId, clientId);
    const token = durable
      .prepare("select * from refresh_tokens where family_id = ? and rotated_at is null")
      .get(family?.id);
    const session = fast.prepare("select * from kv where ns = 'session' limit 1").get();
    const sessionSet = fast.prepare("select * from sets where ns = 'user-sessions' limit 1").get();
    if (!user || !family || !token || !session || !sessionSet)
      throw new Error("seed templates missing: sign in and take a refresh token first");
    const columns = (row) => Object.keys(row);
    const values = (row, changes) => columns(row).map((c) => (c in changes ? changes[c] : row[c]));
    // Keys in index order: each B-tree insert then lands on the last page (random order would
    // touch the whole tree, minutes for a million rows).
    const sorted = (count, make) => Array.from({ length: count }, make).sort();
    const userIds = sorted(rows, newId);

    const t0 = performance.now();
    bulk(durable, "users", columns(user), rows, (i) =>
      values(user, {
        id: userIds[i],
        username: `seeded-${String(i).padStart(9, "0")}`,
        email: user.email === null ? null : `seeded-${String(i).padStart(9, "0")}@example.test`,
      }),
    );
    const seedFamilies = (count, owner, client) => {
      const ids = sorted(count, newId);
      bulk(durable, "refresh_families", columns(family), count, (i) =>
        values(family, { id: ids[i], user_id: owner(i), client_id: client }),
      );
      return ids;
    };
    const familyIds = seedFamilies(rows, (i) => userIds[i], clientId);
    const tokenHashes = sorted(rows, () => hashToken(newSecret()));
    const sids = sorted(rows, newId);
    bulk(durable, "refresh_tokens", columns(token), rows, (i) =>
      values(token, {
        token_hash: tokenHashes[i],
        family_id: familyIds[i],
        user_id: userIds[i],
        sid: token.sid === null ? null : sids[i],
      }),
    );
    const liveTokens = Array.from({ length: live }, newSecret);
    const liveFamilies = seedFamilies(live, () => userId, clientId);
    bulk(durable, "refresh_tokens", columns(token), live, (i) =>
      values(token, { token_hash: hashToken(liveTokens[i]), family_id: liveFamilies[i], sid: null }),
    );
    const durableSeconds = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const template = JSON.parse(session.value);
    const sessionKeys = sorted(rows, () => hashToken(newSecret()));
    bulk(fast, "kv", columns(session), rows, (i) =>
      values(session, {
        key: sessionKeys[i],
        value: JSON.stringify({ ...template, sid: newId(), userId: userIds[i] }),
      }),
    );
    bulk(fast, "sets", columns(sessionSet), rows, (i) =>
      values(sessionSet, { key: userIds[i], member: sessionKeys[i] }),
    );
    const fastSeconds = (performance.now() - t1) / 1000;
    return {
      liveTokens,
      durableSeconds,
      fastSeconds,
      sessionTemplate: session,
      templates: { family, token },
    };
  } finally {
    durable.close();
    fast.close();
  }
}

/** Row counts of the seeded tables (to state what was measured). */
export function countRecords(dataDir) {
  const durable = open(join(dataDir, "frontdesk.db"));
  const fast = open(join(dataDir, "fast.db"));
  try {
    const count = (db, sql) => db.prepare(sql).pluck().get();
    return {
      users: count(durable, "select count(*) from users"),
      refreshFamilies: count(durable, "select count(*) from refresh_families"),
      refreshTokens: count(durable, "select count(*) from refresh_tokens"),
      sessions: count(fast, "select count(*) from kv where ns = 'session'"),
    };
  } finally {
    durable.close();
    fast.close();
  }
}
