import type { Kysely, Selectable } from "kysely";
import { int } from "./codec.js";
import type { Database } from "./schema.js";
import type { MailOutboxRecord, MailOutboxRepository } from "./types.js";

type Row = Selectable<Database["mail_outbox"]>;

const MAX_ERROR = 500;

function toRecord(row: Row): MailOutboxRecord {
  return {
    id: row.id,
    kind: row.kind,
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    status: row.status === "failed" ? "failed" : "pending",
    attempts: int.read(row.attempts),
    dueAt: int.read(row.due_at),
    claimedBy: row.claimed_by,
    createdAt: int.read(row.created_at),
    lastError: row.last_error,
  };
}

export function mailOutboxRepository(db: Kysely<Database>): MailOutboxRepository {
  return {
    async enqueue(message) {
      await db
        .insertInto("mail_outbox")
        .values({
          id: message.id,
          kind: message.kind,
          recipient: message.recipient,
          subject: message.subject,
          body: message.body,
          status: "pending",
          attempts: 0,
          due_at: message.createdAt,
          claimed_by: null,
          created_at: message.createdAt,
          last_error: null,
        })
        .execute();
    },
    async claimDue(owner, now, leaseMs, limit) {
      const due = await db
        .selectFrom("mail_outbox")
        .select(["id", "due_at"])
        .where("status", "=", "pending")
        .where("due_at", "<=", now)
        .orderBy("due_at")
        .orderBy("id")
        .limit(limit)
        .execute();
      const claimed: MailOutboxRecord[] = [];
      for (const candidate of due) {
        // Compare-and-set on the due time read: of two workers, one moves it, the other matches nothing.
        const won = await db
          .updateTable("mail_outbox")
          .set((eb) => ({ due_at: now + leaseMs, claimed_by: owner, attempts: eb("attempts", "+", 1) }))
          .where("id", "=", candidate.id)
          .where("status", "=", "pending")
          .where("due_at", "=", int.read(candidate.due_at))
          .returningAll()
          .executeTakeFirst();
        if (won) claimed.push(toRecord(won));
      }
      return claimed;
    },
    async delivered(id, owner) {
      const result = await db
        .deleteFrom("mail_outbox")
        .where("id", "=", id)
        .where("claimed_by", "=", owner)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async retryAt(id, owner, dueAt, error) {
      const result = await db
        .updateTable("mail_outbox")
        .set({ due_at: dueAt, claimed_by: null, last_error: error.slice(0, MAX_ERROR) })
        .where("id", "=", id)
        .where("claimed_by", "=", owner)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async markFailed(id, owner, error) {
      const result = await db
        .updateTable("mail_outbox")
        .set({ status: "failed", claimed_by: null, last_error: error.slice(0, MAX_ERROR) })
        .where("id", "=", id)
        .where("claimed_by", "=", owner)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async requeueFailed(now, id) {
      let query = db
        .updateTable("mail_outbox")
        .set({ status: "pending", attempts: 0, due_at: now, claimed_by: null })
        .where("status", "=", "failed");
      if (id !== undefined) query = query.where("id", "=", id);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async list(status) {
      let query = db.selectFrom("mail_outbox").selectAll();
      if (status) query = query.where("status", "=", status);
      const rows = await query.orderBy("created_at").orderBy("id").execute();
      return rows.map(toRecord);
    },
  };
}
