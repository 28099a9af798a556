import { type Kysely, type Selectable, sql, type Updateable } from "kysely";
import { bool, int, json } from "./codec.js";
import type { Database } from "./schema.js";
import type { ClientMetadata, ClientRecord, ClientRepository } from "./types.js";

function readMetadata(text: string | null | undefined): ClientMetadata {
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as ClientMetadata) : {};
}

type Row = Selectable<Database["clients"]>;

function toRecord(row: Row): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: int.readNullable(row.previous_secret_expires_at),
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    redirectUris: json.list(row.redirect_uris),
    postLogoutRedirectUris: json.list(row.post_logout_redirect_uris),
    grantTypes: json.list(row.grant_types),
    scopes: json.list(row.scopes),
    firstParty: bool.read(row.first_party),
    disabled: bool.read(row.disabled),
    createdAt: int.read(row.created_at),
    metadata: readMetadata(row.metadata),
  };
}

export function clientRepository(db: Kysely<Database>): ClientRepository {
  return {
    async create(c) {
      await db
        .insertInto("clients")
        .values({
          id: c.id,
          name: c.name,
          secret_hash: c.secretHash,
          previous_secret_hash: c.previousSecretHash,
          previous_secret_expires_at: c.previousSecretExpiresAt,
          token_endpoint_auth_method: c.tokenEndpointAuthMethod,
          redirect_uris: json.text(c.redirectUris),
          post_logout_redirect_uris: json.text(c.postLogoutRedirectUris),
          grant_types: json.text(c.grantTypes),
          scopes: json.text(c.scopes),
          first_party: bool.write(c.firstParty),
          disabled: bool.write(c.disabled),
          created_at: c.createdAt,
          metadata: JSON.stringify(c.metadata ?? {}),
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom("clients").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRecord(row);
    },
    async list() {
      const rows = await db.selectFrom("clients").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(toRecord);
    },
    async update(id, changes) {
      const set: Updateable<Database["clients"]> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.redirectUris !== undefined) set.redirect_uris = json.text(changes.redirectUris);
      if (changes.postLogoutRedirectUris !== undefined)
        set.post_logout_redirect_uris = json.text(changes.postLogoutRedirectUris);
      if (changes.grantTypes !== undefined) set.grant_types = json.text(changes.grantTypes);
      if (changes.scopes !== undefined) set.scopes = json.text(changes.scopes);
      if (changes.firstParty !== undefined) set.first_party = bool.write(changes.firstParty);
      if (changes.disabled !== undefined) set.disabled = bool.write(changes.disabled);
      if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
      if (changes.tokenEndpointAuthMethod !== undefined)
        set.token_endpoint_auth_method = changes.tokenEndpointAuthMethod;
      if (Object.keys(set).length === 0) return (await this.get(id)) !== undefined;
      const result = await db.updateTable("clients").set(set).where("id", "=", id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async rotateSecret(id, secretHash, previousExpiresAt) {
      const result = await db
        .updateTable("clients")
        .set({
          // SET expressions read the row as it was: the previous secret is the current one.
          previous_secret_hash: previousExpiresAt === null ? null : sql<string>`secret_hash`,
          previous_secret_expires_at: previousExpiresAt,
          secret_hash: secretHash,
        })
        .where("id", "=", id)
        .where("secret_hash", "is not", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(id) {
      const result = await db.deleteFrom("clients").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
