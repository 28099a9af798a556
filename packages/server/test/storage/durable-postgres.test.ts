import { openPostgresStore } from "../../src/storage/durable/postgres.js";
import { durableStoreConformance } from "./durable-conformance.js";
import { createTestDatabase } from "./helpers/postgres.js";

let drop = async () => {};

durableStoreConformance(
  "postgres",
  async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    return openPostgresStore({ url: db.url(), poolSize: 10 });
  },
  () => drop(),
);
