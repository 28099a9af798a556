import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisFastStore } from "../../src/storage/fast/redis.js";
import { revokeUser } from "../../src/users/users.js";
import { startTestServer } from "../helpers/server.js";
import { signIn } from "../helpers/sign-in.js";
import { makeUser } from "../helpers/users.js";
import { fastStoreConformance } from "./fast-conformance.js";
import { testPrefix } from "./helpers/redis.js";
import { startRedisCluster } from "./helpers/redis-cluster.js";

// The same conformance suite against a real three-node Redis Cluster (redisCluster=true):
// the hash-tagged key layout lets every operation, scripts included, run on one node.
let cluster: Awaited<ReturnType<typeof startRedisCluster>> | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(() => cluster?.stop());

const prefix = testPrefix();
const open = async () => {
  if (!cluster) throw new Error("cluster not started");
  return redisFastStore({ url: cluster.url, prefix, cluster: true });
};

fastStoreConformance("redis", { open, openPeer: open, cleanup: async () => {} });

describe("the server with its fast store on a Redis Cluster", () => {
  it("signs in, serves forward-auth from the session, and revokes at once", async () => {
    if (!cluster) throw new Error("cluster not started");
    const server = await startTestServer({
      redisUrl: cluster.url,
      redisCluster: true,
      redisPrefix: testPrefix(),
    });
    try {
      const { user, username, password } = await makeUser(server.ctx);
      const browser = await signIn(server.url, username, password);
      expect((await browser.request("/authz")).status).toBe(200);
      await revokeUser(server.ctx, user);
      expect((await browser.request("/authz")).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
