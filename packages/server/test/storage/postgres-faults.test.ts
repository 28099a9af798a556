import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/storage/durable/postgres.js";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { isStoreUnavailable } from "../../src/storage/unavailable.js";
import { client, uid } from "./conformance/records.js";
import { until } from "./conformance/wait.js";
import { createTestDatabase } from "./helpers/postgres.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

async function failsFast(op: Promise<unknown>, ms = 2000): Promise<void> {
  const started = Date.now();
  const error = await op.then(
    () => new Error("expected the call to fail"),
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(ms);
  expect(isStoreUnavailable(error), String(error)).toBe(true);
}

describe("PostgreSQL durable store when the database is unreachable", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let store: DurableStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    store = await openPostgresStore({ url: db.url(`127.0.0.1:${proxy.port}`), poolSize: 4 });
  });
  afterAll(async () => {
    await store.close();
    await proxy.close();
    await db.drop();
  });

  it("fails fast while it is down and recovers through the same pool", async () => {
    const c = client();
    await store.clients.create(c);
    // Several pooled connections are open when the network goes.
    await Promise.all(Array.from({ length: 4 }, () => store.clients.get(c.id)));

    await proxy.down();
    await failsFast(store.clients.get(c.id));
    await failsFast(store.users.getByUsername(uid("u")));
    await failsFast(store.refreshTokens.revokeFamily(uid("f"), 1));
    await failsFast(store.ping());

    await proxy.up();
    await until(() => store.ping(), 5000);
    expect(await store.clients.get(c.id)).toEqual(c);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.clients.list()));
    for (const list of results) expect(list.map((x) => x.id)).toContain(c.id);
  });

  it("fails a query whose connection is cut mid-flight as unavailable", async () => {
    await store.ping();
    const pending = Promise.all(Array.from({ length: 4 }, () => store.clients.list()));
    const cut = proxy.down();
    const outcome = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    await cut;
    // Either the queries finished before the cut, or they failed as "unavailable".
    if (outcome !== undefined) expect(isStoreUnavailable(outcome), String(outcome)).toBe(true);
    await failsFast(store.clients.list());
    await proxy.up();
    await until(() => store.ping(), 5000);
  });
});
