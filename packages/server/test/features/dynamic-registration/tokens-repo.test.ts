import { describe, expect, it } from "vitest";
import {
  initialAccessTokenRepository,
  registrationAccessTokenRepository,
} from "../../../src/features/dynamic-registration/tokens-repo.js";
import { featureStoreBackends } from "../../storage/helpers/feature-stores.js";

const backends = featureStoreBackends();

describe.each(backends)("dynamic registration token repositories on %s", (_name, open) => {
  const NOW = 1_800_000_000;

  it("finds a live initial access token, not an expired or spent one; a single-use one is spent once", async () => {
    const store = await open();
    try {
      const repo = initialAccessTokenRepository(store);
      const base = { createdAt: NOW, usedAt: null };
      await repo.insert({ ...base, tokenHash: "multi", expiresAt: NOW + 60, singleUse: false });
      await repo.insert({ ...base, tokenHash: "single", expiresAt: NOW + 60, singleUse: true });
      expect(await repo.findLive("multi", NOW)).toEqual({
        ...base,
        tokenHash: "multi",
        expiresAt: NOW + 60,
        singleUse: false,
      });
      expect(await repo.findLive("multi", NOW + 60)).toBeUndefined();
      expect(await repo.findLive("unknown", NOW)).toBeUndefined();
      expect(await repo.spend("multi", NOW)).toBe(false);
      const spends = await Promise.all([1, 2, 3, 4].map(() => repo.spend("single", NOW)));
      expect(spends.filter(Boolean)).toHaveLength(1);
      expect(await repo.findLive("single", NOW)).toBeUndefined();
      expect(await repo.findLive("multi", NOW)).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("maps a registration access token to its client, until deleted", async () => {
    const store = await open();
    try {
      const repo = registrationAccessTokenRepository(store);
      await repo.insert("client-a", "hash-a", NOW);
      await repo.insert("client-b", "hash-b", NOW);
      expect(await repo.clientOf("hash-a")).toBe("client-a");
      expect(await repo.clientOf("nope")).toBeUndefined();
      await expect(repo.insert("client-c", "hash-a", NOW)).rejects.toThrow();
      await repo.delete("client-a");
      expect(await repo.clientOf("hash-a")).toBeUndefined();
      expect(await repo.clientOf("hash-b")).toBe("client-b");
    } finally {
      await store.close();
    }
  });
});
