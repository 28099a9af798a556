import { redisFastStore } from "../../src/storage/fast/redis.js";
import { fastStoreConformance } from "./fast-conformance.js";
import { deletePrefix, REDIS_URL, testPrefix } from "./helpers/redis.js";

const prefix = testPrefix();

fastStoreConformance("redis", {
  open: async () => redisFastStore({ url: REDIS_URL, prefix }),
  openPeer: async () => redisFastStore({ url: REDIS_URL, prefix }),
  cleanup: async () => {
    await deletePrefix(prefix);
  },
});
