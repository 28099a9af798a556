import type { DurableStore } from "../../storage/durable/types.js";
import type { IdentityRecord, ProviderRecord, ProviderSettings } from "./records.js";

/** Table shapes as stored (the feature's migrations create them). */
interface Tables {
  upstream_providers: {
    id: string;
    name: string;
    kind: string;
    client_id: string;
    secret: string | null;
    settings: string;
    created_at: number;
  };
  upstream_identities: {
    id: string;
    provider_id: string;
    issuer: string;
    subject: string;
    user_id: string;
    email: string | null;
    created_at: number;
    last_used_at: number;
  };
}

export interface ProviderRepository {
  /** Adds a provider; false (and nothing changes) when the id is taken. */
  insert(provider: ProviderRecord): Promise<boolean>;
  get(id: string): Promise<ProviderRecord | undefined>;
  /** Every provider, in the order they were added. */
  list(): Promise<ProviderRecord[]>;
  /** Removes a provider and every identity linked through it; false when there was none. */
  delete(id: string): Promise<boolean>;
}

export interface IdentityRepository {
  /** Links an identity; false (and nothing changes) when (provider, issuer, subject) is linked already. */
  insert(identity: IdentityRecord): Promise<boolean>;
  find(providerId: string, issuer: string, subject: string): Promise<IdentityRecord | undefined>;
  get(id: string): Promise<IdentityRecord | undefined>;
  listByUser(userId: string): Promise<IdentityRecord[]>;
  /** Records a sign-in through it (and the address the provider gave then). */
  touch(id: string, at: number, email: string | null): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Removes every identity of a user (the user is being deleted); returns how many. */
  deleteAllOfUser(userId: string): Promise<number>;
}

const num = (v: number | string | bigint) => Number(v);

function providerOf(row: Tables["upstream_providers"]): ProviderRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind === "oauth2" ? "oauth2" : "oidc",
    clientId: row.client_id,
    sealedSecret: row.secret,
    settings: JSON.parse(row.settings) as ProviderSettings,
    createdAt: num(row.created_at),
  };
}

function identityOf(row: Tables["upstream_identities"]): IdentityRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    issuer: row.issuer,
    subject: row.subject,
    userId: row.user_id,
    email: row.email,
    createdAt: num(row.created_at),
    lastUsedAt: num(row.last_used_at),
  };
}

/** The providers of the durable store (SQLite or PostgreSQL). */
export function providerRepository(durable: DurableStore): ProviderRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(p) {
      const result = await db
        .insertInto("upstream_providers")
        .values({
          id: p.id,
          name: p.name,
          kind: p.kind,
          client_id: p.clientId,
          secret: p.sealedSecret,
          settings: JSON.stringify(p.settings),
          created_at: p.createdAt,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async get(id) {
      const row = await db
        .selectFrom("upstream_providers")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row && providerOf(row);
    },
    async list() {
      const rows = await db
        .selectFrom("upstream_providers")
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(providerOf);
    },
    async delete(id) {
      return db.transaction().execute(async (tx) => {
        await tx.deleteFrom("upstream_identities").where("provider_id", "=", id).execute();
        const result = await tx.deleteFrom("upstream_providers").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) === 1;
      });
    },
  };
}

/** The linked identities of the durable store (SQLite or PostgreSQL). */
export function identityRepository(durable: DurableStore): IdentityRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(i) {
      const result = await db
        .insertInto("upstream_identities")
        .values({
          id: i.id,
          provider_id: i.providerId,
          issuer: i.issuer,
          subject: i.subject,
          user_id: i.userId,
          email: i.email,
          created_at: i.createdAt,
          last_used_at: i.lastUsedAt,
        })
        .onConflict((oc) => oc.columns(["provider_id", "issuer", "subject"]).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async find(providerId, issuer, subject) {
      const row = await db
        .selectFrom("upstream_identities")
        .selectAll()
        .where("provider_id", "=", providerId)
        .where("issuer", "=", issuer)
        .where("subject", "=", subject)
        .executeTakeFirst();
      return row && identityOf(row);
    },
    async get(id) {
      const row = await db
        .selectFrom("upstream_identities")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row && identityOf(row);
    },
    async listByUser(userId) {
      const rows = await db
        .selectFrom("upstream_identities")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(identityOf);
    },
    async touch(id, at, email) {
      await db
        .updateTable("upstream_identities")
        .set({ last_used_at: at, email })
        .where("id", "=", id)
        .execute();
    },
    async delete(id) {
      const result = await db.deleteFrom("upstream_identities").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteAllOfUser(userId) {
      const result = await db
        .deleteFrom("upstream_identities")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
