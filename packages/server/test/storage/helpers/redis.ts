import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { testRunId } from "../../helpers/test-run.js";

export const REDIS_URL = process.env.FRONTDESK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix no other test run uses. */
export const testPrefix = () => `frontdesk-test-${testRunId()}-${randomBytes(6).toString("hex")}:`;

/** Deletes every key under a prefix. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    redis.disconnect();
  }
}
