import type { DurableStore } from "../../storage/durable/types.js";

/** Table shapes as stored (the feature's migrations create them). */
interface Tables {
  initial_access_tokens: {
    token_hash: string;
    created_at: number;
    expires_at: number;
    single_use: number;
    used_at: number | null;
  };
  registration_access_tokens: {
    client_id: string;
    token_hash: string;
    created_at: number;
  };
}

/** An initial access token as stored: its hash, lifetime and use policy. Times are epoch seconds. */
export interface InitialAccessTokenRecord {
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  /** Spent by its first successful registration; otherwise good for any number until expiry. */
  singleUse: boolean;
  usedAt: number | null;
}

export interface InitialAccessTokenRepository {
  insert(token: InitialAccessTokenRecord): Promise<void>;
  /** The token when it is neither expired at `now` nor spent. */
  findLive(tokenHash: string, now: number): Promise<InitialAccessTokenRecord | undefined>;
  /** Spends a live single-use token: of any number of concurrent calls, exactly one returns true. */
  spend(tokenHash: string, now: number): Promise<boolean>;
}

export interface RegistrationAccessTokenRepository {
  /** Records the (hashed) registration access token of a client. */
  insert(clientId: string, tokenHash: string, createdAt: number): Promise<void>;
  /** The client a registration access token belongs to. */
  clientOf(tokenHash: string): Promise<string | undefined>;
  delete(clientId: string): Promise<void>;
}

/** The initial access tokens of the durable store (SQLite or PostgreSQL). */
export function initialAccessTokenRepository(durable: DurableStore): InitialAccessTokenRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(t) {
      await db
        .insertInto("initial_access_tokens")
        .values({
          token_hash: t.tokenHash,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          single_use: t.singleUse ? 1 : 0,
          used_at: t.usedAt,
        })
        .execute();
    },
    async findLive(tokenHash, now) {
      const row = await db
        .selectFrom("initial_access_tokens")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .where("expires_at", ">", now)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        tokenHash: row.token_hash,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        singleUse: Number(row.single_use) === 1,
        usedAt: row.used_at === null ? null : Number(row.used_at),
      };
    },
    async spend(tokenHash, now) {
      const result = await db
        .updateTable("initial_access_tokens")
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash)
        .where("single_use", "=", 1)
        .where("expires_at", ">", now)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** The registration access tokens of the durable store (SQLite or PostgreSQL). */
export function registrationAccessTokenRepository(durable: DurableStore): RegistrationAccessTokenRepository {
  const db = durable.featureTables<Tables>();
  return {
    async insert(clientId, tokenHash, createdAt) {
      await db
        .insertInto("registration_access_tokens")
        .values({ client_id: clientId, token_hash: tokenHash, created_at: createdAt })
        .execute();
    },
    async clientOf(tokenHash) {
      const row = await db
        .selectFrom("registration_access_tokens")
        .select("client_id")
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row?.client_id;
    },
    async delete(clientId) {
      await db.deleteFrom("registration_access_tokens").where("client_id", "=", clientId).execute();
    },
  };
}
