import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CredentialRepository,
  credentialRepository,
  type RecoveryCodeRepository,
  recoveryCodeRepository,
} from "../../../src/features/one-time-codes/repositories.js";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { featureStoreBackends } from "../../storage/helpers/feature-stores.js";

const backends = featureStoreBackends();

describe.each(backends)("one-time-code repositories on %s", (_name, open) => {
  let store: DurableStore;
  let credentials: CredentialRepository;
  let codes: RecoveryCodeRepository;

  beforeAll(async () => {
    store = await open();
    credentials = credentialRepository(store);
    codes = recoveryCodeRepository(store);
  });
  afterAll(() => store?.close());

  it("keeps one app per person: a second insert changes nothing; touch records the last use", async () => {
    const app = { userId: "u1", sealedSecret: "sealed.jwe.one", createdAt: 1_800_000_000, lastUsedAt: null };
    expect(await credentials.insert(app)).toBe(true);
    expect(await credentials.insert({ ...app, sealedSecret: "sealed.jwe.two" })).toBe(false);
    expect(await credentials.get("u1")).toEqual(app);
    await credentials.touch("u1", 1_800_000_100);
    expect((await credentials.get("u1"))?.lastUsedAt).toBe(1_800_000_100);
    expect(await credentials.get("u2")).toBeUndefined();
    expect(await credentials.delete("u1")).toBe(true);
    expect(await credentials.delete("u1")).toBe(false);
  });

  it("recovery codes: replaced as a set, each used once, one person's never another's", async () => {
    await codes.replace("u1", ["h1", "h2", "h3"], 10);
    await codes.replace("u2", ["h1"], 10);
    expect(await codes.count("u1")).toBe(3);
    expect(await codes.consume("u1", "h2")).toBe(true);
    expect(await codes.consume("u1", "h2")).toBe(false);
    expect(await codes.consume("u1", "nope")).toBe(false);
    expect(await codes.count("u1")).toBe(2);
    await codes.replace("u1", ["h9"], 20);
    expect(await codes.consume("u1", "h1")).toBe(false);
    expect(await codes.count("u1")).toBe(1);
    expect(await codes.count("u2")).toBe(1);
    expect(await codes.deleteAllOfUser("u1")).toBe(1);
    expect(await codes.count("u1")).toBe(0);
  });

  it("two concurrent uses of one recovery code: exactly one succeeds", async () => {
    await codes.replace("u3", ["race"], 10);
    const results = await Promise.all(Array.from({ length: 8 }, () => codes.consume("u3", "race")));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
