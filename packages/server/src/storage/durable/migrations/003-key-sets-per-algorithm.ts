import { type Kysely, sql } from "kysely";

/**
 * One key set per algorithm (ID tokens are signed with each client's algorithm): at
 * most one active and one next key per algorithm, instead of per table.
 */
export function keySetsPerAlgorithm() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const state of ["active", "next"]) {
        await db.schema.dropIndex(`signing_keys_one_${state}`).execute();
        await db.schema
          .createIndex(`signing_keys_one_${state}_per_alg`)
          .on("signing_keys")
          .columns(["alg", "state"])
          .unique()
          .where(sql.ref("state"), "=", state)
          .execute();
      }
    },
  };
}
