import { EventEmitter } from "node:events";
import type { FastStore } from "./types.js";

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process fast store: for tests and single-process use without persistence. */
export function memoryFastStore(now: () => number = Date.now): FastStore {
  const values = new Map<string, Entry>();
  const sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  const events: { seq: number; event: string; expiresAt: number }[] = [];
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let seq = 0;
  const k = (ns: string, key: string) => `${ns}\u0000${key}`;
  const live = (key: string): Entry | undefined => {
    const entry = values.get(key);
    if (entry && entry.expiresAt <= now()) {
      values.delete(key);
      return undefined;
    }
    return entry;
  };
  const liveSet = (key: string) => {
    const set = sets.get(key);
    if (set && set.expiresAt <= now()) {
      sets.delete(key);
      return undefined;
    }
    return set;
  };

  return {
    kind: "memory",
    async get(ns, key) {
      return live(k(ns, key))?.value;
    },
    async set(ns, key, value, ttl) {
      values.set(k(ns, key), { value, expiresAt: now() + ttl * 1000 });
    },
    async setIfAbsent(ns, key, value, ttl) {
      if (live(k(ns, key))) return false;
      values.set(k(ns, key), { value, expiresAt: now() + ttl * 1000 });
      return true;
    },
    async consume(ns, key) {
      const entry = live(k(ns, key));
      if (!entry) return undefined;
      values.delete(k(ns, key));
      return entry.value;
    },
    async delete(ns, key) {
      const existed = live(k(ns, key)) !== undefined;
      values.delete(k(ns, key));
      return existed;
    },
    async increment(ns, key, ttl) {
      const entry = live(k(ns, key));
      const count = entry ? Number(entry.value) + 1 : 1;
      values.set(k(ns, key), { value: String(count), expiresAt: entry?.expiresAt ?? now() + ttl * 1000 });
      return count;
    },
    async addToSet(ns, key, member, ttl) {
      const existing = liveSet(k(ns, key));
      const expiresAt = Math.max(existing?.expiresAt ?? 0, now() + ttl * 1000);
      const members = existing?.members ?? new Set<string>();
      members.add(member);
      sets.set(k(ns, key), { members, expiresAt });
    },
    async removeFromSet(ns, key, member) {
      liveSet(k(ns, key))?.members.delete(member);
    },
    async setMembers(ns, key) {
      return [...(liveSet(k(ns, key))?.members ?? [])];
    },
    async appendEvent(event, ttl) {
      seq += 1;
      events.push({ seq, event, expiresAt: now() + ttl * 1000 });
      while (events.length && (events[0]?.expiresAt ?? Infinity) <= now()) events.shift();
      emitter.emit("event", String(seq), event);
      return String(seq);
    },
    async eventsSince(cursor, limit) {
      const after = cursor === undefined ? 0 : Number(cursor) || 0;
      const t = now();
      return events
        .filter((e) => e.seq > after && e.expiresAt > t)
        .slice(0, limit)
        .map((e) => ({ id: String(e.seq), event: e.event }));
    },
    onEvent(listener) {
      emitter.on("event", listener);
      return () => emitter.off("event", listener);
    },
    async ping() {},
    async close() {
      emitter.removeAllListeners();
    },
  };
}
