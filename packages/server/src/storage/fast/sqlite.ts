import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import type { FastStore } from "./types.js";

const SCHEMA = `
create table if not exists kv (ns text not null, key text not null, value text not null, expires_at integer not null, primary key (ns, key)) without rowid;
create table if not exists sets (ns text not null, key text not null, member text not null, expires_at integer not null, primary key (ns, key, member)) without rowid;
create table if not exists events (id integer primary key autoincrement, event text not null, expires_at integer not null);
create index if not exists kv_expiry on kv (expires_at);
`;

/**
 * Fast store in its own SQLite file: the embedded default, shared by the server
 * and the CLI (a session ended from the CLI ends at once in the server too).
 */
export function sqliteFastStore(file: string, options: { pollMs?: number } = {}): FastStore {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);

  const q = {
    get: db.prepare<[string, string, number], { value: string }>(
      "select value from kv where ns = ? and key = ? and expires_at > ?",
    ),
    set: db.prepare("insert or replace into kv (ns, key, value, expires_at) values (?, ?, ?, ?)"),
    setIfAbsent: db.prepare(
      `insert into kv (ns, key, value, expires_at) values (?, ?, ?, ?)
       on conflict (ns, key) do update set value = excluded.value, expires_at = excluded.expires_at
       where kv.expires_at <= ?`,
    ),
    consume: db.prepare<[string, string, number], { value: string }>(
      "delete from kv where ns = ? and key = ? and expires_at > ? returning value",
    ),
    delete: db.prepare<[string, string, number], { live: number }>(
      "delete from kv where ns = ? and key = ? returning expires_at > ? as live",
    ),
    increment: db.prepare<[string, string, number, number, number, number], { value: string }>(
      `insert into kv (ns, key, value, expires_at) values (?, ?, '1', ?)
       on conflict (ns, key) do update set
         value = case when kv.expires_at <= ? then '1' else cast(cast(kv.value as integer) + 1 as text) end,
         expires_at = case when kv.expires_at <= ? then ? else kv.expires_at end
       returning value`,
    ),
    addToSet: db.prepare(
      `insert into sets (ns, key, member, expires_at) values (?, ?, ?, ?)
       on conflict (ns, key, member) do update set expires_at = max(sets.expires_at, excluded.expires_at)`,
    ),
    dropExpiredSet: db.prepare("delete from sets where ns = ? and key = ? and expires_at <= ?"),
    setExpiry: db.prepare<[string, string], { exp: number | null }>(
      "select max(expires_at) as exp from sets where ns = ? and key = ?",
    ),
    extendSet: db.prepare("update sets set expires_at = ? where ns = ? and key = ?"),
    removeFromSet: db.prepare("delete from sets where ns = ? and key = ? and member = ?"),
    members: db.prepare<[string, string, number], { member: string }>(
      "select member from sets where ns = ? and key = ? and expires_at > ? order by member",
    ),
    append: db.prepare<[string, number], { id: number }>(
      "insert into events (event, expires_at) values (?, ?) returning id",
    ),
    since: db.prepare<[number, number, number], { id: number; event: string }>(
      "select id, event from events where id > ? and expires_at > ? order by id limit ?",
    ),
    lastId: db.prepare<[], { id: number | null }>("select max(id) as id from events"),
    sweepKv: db.prepare("delete from kv where expires_at <= ?"),
    sweepSets: db.prepare("delete from sets where expires_at <= ?"),
    sweepEvents: db.prepare("delete from events where expires_at <= ?"),
  };

  const listeners = new Set<(id: string, event: string) => void>();
  let lastSeen = q.lastId.get()?.id ?? 0;
  let poller: NodeJS.Timeout | undefined;
  const poll = () => {
    for (const row of q.since.all(lastSeen, Date.now(), 1000)) {
      lastSeen = row.id;
      for (const listener of listeners) listener(String(row.id), row.event);
    }
  };
  const sweeper = setInterval(() => {
    const t = Date.now();
    q.sweepKv.run(t);
    q.sweepSets.run(t);
    q.sweepEvents.run(t);
  }, 60_000);
  sweeper.unref();

  return {
    kind: "sqlite",
    async get(ns, key) {
      return q.get.get(ns, key, Date.now())?.value;
    },
    async set(ns, key, value, ttl) {
      q.set.run(ns, key, value, Date.now() + ttl * 1000);
    },
    async setIfAbsent(ns, key, value, ttl) {
      const t = Date.now();
      return q.setIfAbsent.run(ns, key, value, t + ttl * 1000, t).changes === 1;
    },
    async consume(ns, key) {
      return q.consume.get(ns, key, Date.now())?.value;
    },
    async delete(ns, key) {
      // An expired row not yet swept is deleted too, but it was not there to the caller.
      return q.delete.get(ns, key, Date.now())?.live === 1;
    },
    async increment(ns, key, ttl) {
      const t = Date.now();
      const exp = t + ttl * 1000;
      return Number(q.increment.get(ns, key, exp, t, t, exp)?.value);
    },
    async addToSet(ns, key, member, ttl) {
      const t = Date.now();
      // The set expires as a whole: every member shares the latest expiry, which only grows.
      db.transaction(() => {
        q.dropExpiredSet.run(ns, key, t);
        const exp = Math.max(t + ttl * 1000, q.setExpiry.get(ns, key)?.exp ?? 0);
        q.addToSet.run(ns, key, member, exp);
        q.extendSet.run(exp, ns, key);
      })();
    },
    async removeFromSet(ns, key, member) {
      q.removeFromSet.run(ns, key, member);
    },
    async setMembers(ns, key) {
      return q.members.all(ns, key, Date.now()).map((r) => r.member);
    },
    async appendEvent(event, ttl) {
      const row = q.append.get(event, Date.now() + ttl * 1000);
      const id = row?.id ?? 0;
      // Local listeners hear it at once; other processes through the poller.
      if (listeners.size) poll();
      return String(id);
    },
    async eventsSince(cursor, limit) {
      const after = cursor === undefined ? 0 : Number(cursor) || 0;
      return q.since.all(after, Date.now(), limit).map((r) => ({ id: String(r.id), event: r.event }));
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!poller) {
        lastSeen = q.lastId.get()?.id ?? 0;
        poller = setInterval(poll, options.pollMs ?? 200);
        poller.unref();
      }
      return () => {
        listeners.delete(listener);
        if (!listeners.size && poller) {
          clearInterval(poller);
          poller = undefined;
        }
      };
    },
    async ping() {
      q.lastId.get();
    },
    async close() {
      clearInterval(sweeper);
      if (poller) clearInterval(poller);
      listeners.clear();
      db.close();
    },
  };
}
