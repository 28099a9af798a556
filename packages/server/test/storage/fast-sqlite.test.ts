import { rmSync } from "node:fs";
import { join } from "node:path";
import { sqliteFastStore } from "../../src/storage/fast/sqlite.js";
import { tempDir } from "../helpers/server.js";
import { fastStoreConformance } from "./fast-conformance.js";

const dir = tempDir("frontdesk-fast-");
const file = join(dir, "fast.db");

fastStoreConformance("sqlite", {
  open: async () => sqliteFastStore(file, { pollMs: 50 }),
  openPeer: async () => sqliteFastStore(file, { pollMs: 50 }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
