import type { Kysely, Selectable } from "kysely";
import { int } from "./codec.js";
import type { Database } from "./schema.js";
import type { KeyState, SigningKeyRecord, SigningKeyRepository } from "./types.js";

type Row = Selectable<Database["signing_keys"]>;

function toRecord(row: Row): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state as KeyState,
    publicJwk: row.public_jwk,
    privateJwe: row.private_jwe,
    createdAt: int.read(row.created_at),
    activatedAt: int.readNullable(row.activated_at),
    retiredAt: int.readNullable(row.retired_at),
  };
}

function toRow(k: SigningKeyRecord): Row {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    public_jwk: k.publicJwk,
    private_jwe: k.privateJwe,
    created_at: k.createdAt,
    activated_at: k.activatedAt,
    retired_at: k.retiredAt,
  };
}

class LostRace extends Error {}

export function signingKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    async list() {
      const rows = await db
        .selectFrom("signing_keys")
        .selectAll()
        .orderBy("created_at")
        .orderBy("kid")
        .execute();
      return rows.map(toRecord);
    },
    async insert(key) {
      await db.insertInto("signing_keys").values(toRow(key)).execute();
    },
    async transition(changes, insert) {
      try {
        await db.transaction().execute(async (tx) => {
          for (const change of changes) {
            const stamp =
              change.to === "active"
                ? { activated_at: change.at }
                : change.to === "retired"
                  ? { retired_at: change.at }
                  : {};
            const result = await tx
              .updateTable("signing_keys")
              .set({ state: change.to, ...stamp })
              .where("kid", "=", change.kid)
              .where("state", "=", change.from)
              .executeTakeFirst();
            if (Number(result.numUpdatedRows) !== 1) throw new LostRace();
          }
          if (insert) await tx.insertInto("signing_keys").values(toRow(insert)).execute();
        });
        return true;
      } catch (error) {
        if (error instanceof LostRace) return false;
        throw error;
      }
    },
    async remove(kid) {
      await db.deleteFrom("signing_keys").where("kid", "=", kid).execute();
    },
  };
}
