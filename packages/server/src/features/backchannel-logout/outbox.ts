import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "../../storage/durable/migrations/column-types.js";
import type { DurableStore } from "../../storage/durable/types.js";
import { newId } from "../../tokens/opaque.js";

const TABLE = "backchannel_logout_outbox";

/** `backchannelLogout-001-outbox`: one row per logout token still to deliver. Times are epoch milliseconds. */
export const outboxMigration = (types: ColumnTypes): Migration => ({
  async up(db) {
    await db.schema
      .createTable(TABLE)
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("sid", "text", (c) => c.notNull())
      .addColumn("sub", "text", (c) => c.notNull())
      .addColumn("jti", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      // When the entry may next be claimed: its retry time, or the end of a claim's lease.
      .addColumn("due_at", types.int64, (c) => c.notNull())
      .addColumn("claimed_by", "text")
      .addColumn("created_at", types.int64, (c) => c.notNull())
      .addColumn("last_error", "text")
      .execute();
    await db.schema.createIndex(`${TABLE}_due`).on(TABLE).column("due_at").execute();
  },
});

interface OutboxTable {
  id: string;
  client_id: string;
  sid: string;
  sub: string;
  jti: string;
  attempts: number;
  due_at: number;
  claimed_by: string | null;
  created_at: number;
  last_error: string | null;
}

/** One logout token to deliver: to which client, about which session and person. */
export interface OutboxEntry {
  id: string;
  clientId: string;
  sid: string;
  sub: string;
  /** The logout token's `jti`: the same in every attempt, so a receiver can tell a retry. */
  jti: string;
  /** Attempts so far, counting the one this claim is for. */
  attempts: number;
  createdAt: number;
  lastError: string | null;
}

const toEntry = (row: OutboxTable): OutboxEntry => ({
  id: row.id,
  clientId: row.client_id,
  sid: row.sid,
  sub: row.sub,
  jti: row.jti,
  attempts: Number(row.attempts),
  createdAt: Number(row.created_at),
  lastError: row.last_error,
});

/**
 * The durable outbox of logout tokens (SQLite and PostgreSQL alike). Claims are leases:
 * a claim moves `due_at` to the lease's end with a compare-and-set on the `due_at` it
 * read, so two instances never hold one entry at once, and an entry whose claimer died
 * becomes due again when the lease ends.
 */
export class LogoutOutbox {
  private readonly db: Kysely<{ [TABLE]: OutboxTable }>;

  constructor(durable: Pick<DurableStore, "featureTables">) {
    this.db = durable.featureTables<{ [TABLE]: OutboxTable }>();
  }

  /** Adds entries (one statement: all or none), due at once. */
  async enqueue(items: { clientId: string; sid: string; sub: string }[], now: number): Promise<void> {
    if (!items.length) return;
    await this.db
      .insertInto(TABLE)
      .values(
        items.map((item) => ({
          id: newId(),
          client_id: item.clientId,
          sid: item.sid,
          sub: item.sub,
          jti: newId(),
          attempts: 0,
          due_at: now,
          claimed_by: null,
          created_at: now,
          last_error: null,
        })),
      )
      .execute();
  }

  /** Claims up to `limit` due entries for `owner` until `now + leaseMs`; returns those it won. */
  async claimDue(owner: string, now: number, leaseMs: number, limit: number): Promise<OutboxEntry[]> {
    const due = await this.db
      .selectFrom(TABLE)
      .select(["id", "due_at"])
      .where("due_at", "<=", now)
      .orderBy("due_at")
      .limit(limit)
      .execute();
    const claimed: OutboxEntry[] = [];
    for (const candidate of due) {
      const won = await this.db
        .updateTable(TABLE)
        .set((eb) => ({
          due_at: now + leaseMs,
          claimed_by: owner,
          attempts: eb("attempts", "+", 1),
        }))
        .where("id", "=", candidate.id)
        .where("due_at", "=", Number(candidate.due_at))
        .returningAll()
        .executeTakeFirst();
      if (won) claimed.push(toEntry(won));
    }
    return claimed;
  }

  /** Removes an entry this owner still holds (delivered, or given up). */
  async remove(id: string, owner: string): Promise<void> {
    await this.db.deleteFrom(TABLE).where("id", "=", id).where("claimed_by", "=", owner).execute();
  }

  /** Releases an entry this owner holds, due again at `dueAt`, with why the attempt failed. */
  async retryAt(id: string, owner: string, dueAt: number, error: string): Promise<void> {
    await this.db
      .updateTable(TABLE)
      .set({ due_at: dueAt, claimed_by: null, last_error: error.slice(0, 500) })
      .where("id", "=", id)
      .where("claimed_by", "=", owner)
      .execute();
  }

  /** Every entry, oldest first (tests and operators). */
  async list(): Promise<(OutboxEntry & { dueAt: number })[]> {
    const rows = await this.db.selectFrom(TABLE).selectAll().orderBy("created_at").execute();
    return rows.map((row) => ({ ...toEntry(row), dueAt: Number(row.due_at) }));
  }
}
