import type { DurableStore } from "../../storage/durable/types.js";

/** One passkey as stored. */
export interface PasskeyRecord {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  /** Flag BE: the authenticator may sync it (a "synced" passkey). */
  backupEligible: boolean;
  /** Flag BS: it is backed up now. */
  backupState: boolean;
  aaguid: string;
  rpId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

interface Tables {
  passkeys_user_handles: { user_id: string; handle: string; created_at: number };
  passkeys_credentials: {
    id: string;
    user_id: string;
    public_key: string;
    counter: number;
    transports: string;
    backup_eligible: number;
    backup_state: number;
    aaguid: string;
    rp_id: string;
    name: string;
    created_at: number;
    last_used_at: number | null;
  };
}

export interface PasskeyRepository {
  /** Adds a passkey; false (and nothing changes) when its credential id is stored already. */
  insert(passkey: PasskeyRecord): Promise<boolean>;
  get(id: string): Promise<PasskeyRecord | undefined>;
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  /** After a verified assertion: the new counter, the backup state, when. */
  recordUse(id: string, use: { counter: number; backupState: boolean; at: number }): Promise<void>;
  /** Removes one of the person's passkeys; false when they have no such passkey. */
  delete(userId: string, id: string): Promise<boolean>;
  /** Removes every passkey of a person; returns how many. */
  deleteAllOfUser(userId: string): Promise<number>;
  /** The person's user handle, made (and kept) at the first call. */
  handleOf(userId: string, fresh: () => string, at: number): Promise<string>;
  /** The person a user handle names. */
  userOfHandle(handle: string): Promise<string | undefined>;
  /** Forgets the person's user handle (the person is deleted). */
  deleteHandle(userId: string): Promise<void>;
}

const num = (v: number | string | bigint) => Number(v);

function passkeyOf(row: Tables["passkeys_credentials"]): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    publicKey: row.public_key,
    counter: num(row.counter),
    transports: JSON.parse(row.transports) as string[],
    backupEligible: num(row.backup_eligible) === 1,
    backupState: num(row.backup_state) === 1,
    aaguid: row.aaguid,
    rpId: row.rp_id,
    name: row.name,
    createdAt: num(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : num(row.last_used_at),
  };
}

/** Passkeys and user handles in the durable store (SQLite or PostgreSQL). */
export function passkeyRepository(durable: DurableStore): PasskeyRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(p) {
      const result = await db
        .insertInto("passkeys_credentials")
        .values({
          id: p.id,
          user_id: p.userId,
          public_key: p.publicKey,
          counter: p.counter,
          transports: JSON.stringify(p.transports),
          backup_eligible: p.backupEligible ? 1 : 0,
          backup_state: p.backupState ? 1 : 0,
          aaguid: p.aaguid,
          rp_id: p.rpId,
          name: p.name,
          created_at: p.createdAt,
          last_used_at: p.lastUsedAt,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async get(id) {
      const row = await db
        .selectFrom("passkeys_credentials")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row && passkeyOf(row);
    },
    async listByUser(userId) {
      const rows = await db
        .selectFrom("passkeys_credentials")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(passkeyOf);
    },
    async recordUse(id, use) {
      await db
        .updateTable("passkeys_credentials")
        .set({ counter: use.counter, backup_state: use.backupState ? 1 : 0, last_used_at: use.at })
        .where("id", "=", id)
        .execute();
    },
    async delete(userId, id) {
      const result = await db
        .deleteFrom("passkeys_credentials")
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteAllOfUser(userId) {
      const result = await db
        .deleteFrom("passkeys_credentials")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async handleOf(userId, fresh, at) {
      await db
        .insertInto("passkeys_user_handles")
        .values({ user_id: userId, handle: fresh(), created_at: at })
        .onConflict((oc) => oc.column("user_id").doNothing())
        .execute();
      const row = await db
        .selectFrom("passkeys_user_handles")
        .select("handle")
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      return row.handle;
    },
    async userOfHandle(handle) {
      const row = await db
        .selectFrom("passkeys_user_handles")
        .select("user_id")
        .where("handle", "=", handle)
        .executeTakeFirst();
      return row?.user_id;
    },
    async deleteHandle(userId) {
      await db.deleteFrom("passkeys_user_handles").where("user_id", "=", userId).execute();
    },
  };
}
