import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityRecord, ProviderRecord } from "../../../src/features/upstream/records.js";
import {
  type IdentityRepository,
  identityRepository,
  type ProviderRepository,
  providerRepository,
} from "../../../src/features/upstream/repositories.js";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { featureStoreBackends } from "../../storage/helpers/feature-stores.js";

const backends = featureStoreBackends();

function provider(id: string, createdAt: number): ProviderRecord {
  return {
    id,
    name: `Provider ${id}`,
    kind: "oidc",
    clientId: `client-${id}`,
    sealedSecret: "sealed.jwe",
    settings: {
      issuer: `https://${id}.example`,
      preset: null,
      scopes: ["openid", "email"],
      trustEmail: false,
      domains: [`${id}.example`],
      authorizationEndpoint: null,
      tokenEndpoint: null,
      userinfoEndpoint: null,
      claims: {},
      responseMode: "query",
      tenantIssuerTemplate: null,
      emailsEndpoint: null,
      apple: null,
    },
    createdAt,
  };
}

function identity(id: string, fields: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id,
    providerId: "corp",
    issuer: "https://corp.example",
    subject: `sub-${id}`,
    userId: "user-1",
    email: "person@corp.example",
    createdAt: 1_800_000_000,
    lastUsedAt: 1_800_000_000,
    ...fields,
  };
}

describe.each(backends)("upstream repositories on %s", (_name, open) => {
  let store: DurableStore;
  let providers: ProviderRepository;
  let identities: IdentityRepository;

  beforeAll(async () => {
    store = await open();
    providers = providerRepository(store);
    identities = identityRepository(store);
  });
  afterAll(() => store?.close());

  it("stores a provider with its settings, lists in the order added, and refuses a taken id", async () => {
    expect(await providers.insert(provider("second", 20))).toBe(true);
    expect(await providers.insert(provider("first", 10))).toBe(true);
    expect(await providers.insert({ ...provider("first", 30), name: "Impostor" })).toBe(false);
    expect(await providers.get("first")).toEqual(provider("first", 10));
    expect((await providers.list()).map((p) => p.id)).toEqual(["first", "second"]);
    expect(await providers.get("missing")).toBeUndefined();
  });

  it("keys identities by (provider, issuer, subject): the same subject at another issuer or provider is another identity", async () => {
    expect(await identities.insert(identity("a"))).toBe(true);
    expect(await identities.insert(identity("b", { subject: "sub-a" }))).toBe(false);
    expect(
      await identities.insert(identity("c", { subject: "sub-a", issuer: "https://tenant2.corp.example" })),
    ).toBe(true);
    expect(await identities.insert(identity("d", { subject: "sub-a", providerId: "other" }))).toBe(true);
    expect(await identities.find("corp", "https://corp.example", "sub-a")).toEqual(identity("a"));
    expect(await identities.find("corp", "https://corp.example", "SUB-A")).toBeUndefined();
    expect((await identities.listByUser("user-1")).map((i) => i.id).sort()).toEqual(["a", "c", "d"]);
  });

  it("records a sign-in through an identity and removes one", async () => {
    await identities.insert(identity("t", { userId: "user-2" }));
    await identities.touch("t", 1_800_000_500, "new@corp.example");
    expect(await identities.get("t")).toMatchObject({
      lastUsedAt: 1_800_000_500,
      email: "new@corp.example",
      createdAt: 1_800_000_000,
    });
    expect(await identities.delete("t")).toBe(true);
    expect(await identities.delete("t")).toBe(false);
    expect(await identities.listByUser("user-2")).toEqual([]);
  });

  it("removes every identity of one user, and only theirs", async () => {
    await identities.insert(identity("x1", { userId: "user-4" }));
    await identities.insert(identity("x2", { userId: "user-4", providerId: "other" }));
    await identities.insert(identity("y1", { userId: "user-5" }));
    expect(await identities.deleteAllOfUser("user-4")).toBe(2);
    expect(await identities.listByUser("user-4")).toEqual([]);
    expect((await identities.listByUser("user-5")).map((i) => i.id)).toEqual(["y1"]);
  });

  it("removing a provider removes the identities linked through it, and only those", async () => {
    await providers.insert(provider("gone", 40));
    await identities.insert(identity("g1", { providerId: "gone", userId: "user-3" }));
    await identities.insert(identity("g2", { providerId: "kept", userId: "user-3" }));
    expect(await providers.delete("gone")).toBe(true);
    expect(await providers.delete("gone")).toBe(false);
    expect((await identities.listByUser("user-3")).map((i) => i.id)).toEqual(["g2"]);
  });
});
