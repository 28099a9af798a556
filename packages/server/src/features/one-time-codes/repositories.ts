import type { DurableStore } from "../../storage/durable/types.js";

/** Table shapes as stored (the feature's migrations create them). */
interface Tables {
  one_time_code_credentials: {
    user_id: string;
    secret: string;
    created_at: number;
    last_used_at: number | null;
  };
  recovery_codes: { user_id: string; hash: string; created_at: number };
}

/** A person's authenticator app: the sealed secret (see OneTimeCodeSecrets). */
export interface OneTimeCodeCredential {
  userId: string;
  sealedSecret: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface CredentialRepository {
  /** Switches the app on; false (and nothing changes) when the person has one already. */
  insert(credential: OneTimeCodeCredential): Promise<boolean>;
  get(userId: string): Promise<OneTimeCodeCredential | undefined>;
  touch(userId: string, at: number): Promise<void>;
  delete(userId: string): Promise<boolean>;
}

export interface RecoveryCodeRepository {
  /** Replaces every code of the person by these hashes (the old codes stop working). */
  replace(userId: string, hashes: readonly string[], at: number): Promise<void>;
  /** Uses a code up: true for exactly one of concurrent callers with the same code. */
  consume(userId: string, hash: string): Promise<boolean>;
  count(userId: string): Promise<number>;
  deleteAllOfUser(userId: string): Promise<number>;
}

const num = (v: number | string | bigint) => Number(v);

/** The authenticator apps of the durable store (SQLite or PostgreSQL). */
export function credentialRepository(durable: DurableStore): CredentialRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(c) {
      const result = await db
        .insertInto("one_time_code_credentials")
        .values({
          user_id: c.userId,
          secret: c.sealedSecret,
          created_at: c.createdAt,
          last_used_at: c.lastUsedAt,
        })
        .onConflict((oc) => oc.column("user_id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async get(userId) {
      const row = await db
        .selectFrom("one_time_code_credentials")
        .selectAll()
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return (
        row && {
          userId: row.user_id,
          sealedSecret: row.secret,
          createdAt: num(row.created_at),
          lastUsedAt: row.last_used_at === null ? null : num(row.last_used_at),
        }
      );
    },
    async touch(userId, at) {
      await db
        .updateTable("one_time_code_credentials")
        .set({ last_used_at: at })
        .where("user_id", "=", userId)
        .execute();
    },
    async delete(userId) {
      const result = await db
        .deleteFrom("one_time_code_credentials")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

/** The recovery codes of the durable store (SQLite or PostgreSQL). */
export function recoveryCodeRepository(durable: DurableStore): RecoveryCodeRepository {
  const db = durable.featureTables<Tables>();
  return {
    async replace(userId, hashes, at) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
        if (hashes.length)
          await tx
            .insertInto("recovery_codes")
            .values(hashes.map((hash) => ({ user_id: userId, hash, created_at: at })))
            .execute();
      });
    },
    async consume(userId, hash) {
      // One DELETE decides: of two concurrent uses, only one deletes the row.
      const result = await db
        .deleteFrom("recovery_codes")
        .where("user_id", "=", userId)
        .where("hash", "=", hash)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async count(userId) {
      const row = await db
        .selectFrom("recovery_codes")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return num((row?.n as number | string | bigint | undefined) ?? 0);
    },
    async deleteAllOfUser(userId) {
      const result = await db.deleteFrom("recovery_codes").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
