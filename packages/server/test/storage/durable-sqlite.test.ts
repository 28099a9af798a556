import { rmSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStore } from "../../src/storage/durable/sqlite.js";
import { tempDir } from "../helpers/server.js";
import { durableStoreConformance } from "./durable-conformance.js";

const dir = tempDir("frontdesk-durable-");

durableStoreConformance(
  "sqlite",
  () => openSqliteStore(join(dir, "frontdesk.db")),
  async () => rmSync(dir, { recursive: true, force: true }),
);
