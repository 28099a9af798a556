// Bytes per stored record in the distributed stores: a session in Redis (MEMORY USAGE of
// seeded keys, laid out as Frontdesk's Redis fast store lays them out, under a unique
// prefix), and a refresh-token family in PostgreSQL (pg_total_relation_size over the rows,
// in a throwaway database migrated by `frontdesk migrate`, dropped afterwards).
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";

const hashToken = (token) => createHash("sha256").update(token).digest("hex");
const newId = () => randomBytes(16).toString("hex");

/**
 * `sessionValue(i)` is the JSON text of a session as Frontdesk stores it. Seeds `count`
 * sessions (`P{session:<hash>}` with a TTL, and the user's `P{user-sessions:<user>}:set`),
 * reads MEMORY USAGE of each, deletes them; resolves to mean bytes per key kind.
 */
export async function redisBytesPerSession(url, sessionValue, count = 1000) {
  const redis = createClient({ url });
  redis.on("error", () => {});
  await redis.connect();
  const prefix = `bench-growth-${process.pid}-${Date.now()}:`;
  const keys = [];
  try {
    let value = 0;
    let set = 0;
    for (let i = 0; i < count; i++) {
      const key = hashToken(randomBytes(32).toString("base64url"));
      const userId = newId();
      const valueKey = `${prefix}{session:${key}}`;
      const setKey = `${prefix}{user-sessions:${userId}}:set`;
      keys.push(valueKey, setKey);
      await redis.set(valueKey, sessionValue(i, userId), { PX: 3_600_000 });
      await redis.sAdd(setKey, key);
      await redis.pExpire(setKey, 3_600_000);
      value += await redis.memoryUsage(valueKey, { SAMPLES: 0 });
      set += await redis.memoryUsage(setKey, { SAMPLES: 0 });
    }
    return { sessionKey: value / count, userSessionsSet: set / count, total: (value + set) / count };
  } finally {
    for (let i = 0; i < keys.length; i += 500) await redis.del(keys.slice(i, i + 500));
    await redis.quit();
  }
}

/**
 * Creates database `name`, runs `migrate(url)` (Frontdesk's migrations), inserts `count`
 * families with one live refresh token each (values of the SQLite templates, ids and
 * hashes like Frontdesk's), and resolves to bytes per family (tables and their indexes).
 */
export async function postgresBytesPerFamily(adminUrl, migrate, { family, token }, count) {
  const name = `frontdesk_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.href });
  try {
    await migrate(url.href);
    await db.connect();
    await db.query(
      `insert into refresh_families (id, client_id, user_id, created_at, expires_at, revoked_at, dpop_jkt)
       select md5('f' || i), $1, md5('u' || i), $2, $3, null, null from generate_series(1, $4::int) i`,
      [family.client_id, family.created_at, family.expires_at, count],
    );
    await db.query(
      `insert into refresh_tokens (token_hash, family_id, client_id, user_id, scopes, sid, auth_time, acr, amr, idp, issued_at, expires_at, rotated_at)
       select encode(sha256(('t' || i)::bytea), 'hex'), md5('f' || i), $1, md5('u' || i), $2, md5('s' || i), $3, $4, $5, null, $6, $7, null
       from generate_series(1, $8::int) i`,
      [
        token.client_id,
        token.scopes,
        token.auth_time,
        token.acr,
        token.amr,
        token.issued_at,
        token.expires_at,
        count,
      ],
    );
    await db.query("vacuum analyze refresh_families, refresh_tokens");
    const { rows } = await db.query(
      "select pg_total_relation_size('refresh_families') + pg_total_relation_size('refresh_tokens') as bytes",
    );
    return { bytesPerFamily: Number(rows[0].bytes) / count, families: count };
  } finally {
    await db.end().catch(() => {});
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
