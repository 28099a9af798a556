import { type Kysely, sql } from "kysely";

/**
 * An index on the lowercased e-mail address: password reset and registration look
 * people up by address (`UserRepository.findByEmail`). Not unique: existing accounts may
 * share an address. Shared by SQLite and PostgreSQL (both index expressions).
 */
export function usersEmailIndex() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex("users_email_lower").on("users").expression(sql`lower(email)`).execute();
    },
  };
}
