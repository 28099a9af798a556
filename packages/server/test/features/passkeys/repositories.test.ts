import { beforeAll, describe, expect, it } from "vitest";
import {
  type PasskeyRecord,
  type PasskeyRepository,
  passkeyRepository,
} from "../../../src/features/passkeys/repositories.js";
import { featureStoreBackends } from "../../storage/helpers/feature-stores.js";

const backends = featureStoreBackends();

function passkey(id: string, fields: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    id,
    userId: "user-1",
    publicKey: "pQECAyYgASFYIA",
    counter: 0,
    transports: ["internal", "hybrid"],
    backupEligible: true,
    backupState: false,
    aaguid: "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
    rpId: "id.example",
    name: `Passkey ${id}`,
    createdAt: 1_800_000_000,
    lastUsedAt: null,
    ...fields,
  };
}

describe.each(backends)("passkey repository on %s", (_name, open) => {
  let passkeys: PasskeyRepository;
  beforeAll(async () => {
    passkeys = passkeyRepository(await open());
  });

  it("stores every field of a passkey and refuses a credential id twice", async () => {
    expect(await passkeys.insert(passkey("a"))).toBe(true);
    expect(await passkeys.insert(passkey("a", { userId: "user-2" }))).toBe(false);
    expect(await passkeys.get("a")).toEqual(passkey("a"));
    expect(await passkeys.get("missing")).toBeUndefined();
  });

  it("lists a person's passkeys oldest first, records a use, removes only the owner's", async () => {
    await passkeys.insert(passkey("b2", { userId: "user-3", createdAt: 1_800_000_200 }));
    await passkeys.insert(passkey("b1", { userId: "user-3", createdAt: 1_800_000_100 }));
    expect((await passkeys.listByUser("user-3")).map((p) => p.id)).toEqual(["b1", "b2"]);
    await passkeys.recordUse("b1", { counter: 7, backupState: true, at: 1_800_000_300 });
    expect(await passkeys.get("b1")).toMatchObject({
      counter: 7,
      backupState: true,
      lastUsedAt: 1_800_000_300,
    });
    expect(await passkeys.delete("user-other", "b1")).toBe(false);
    expect(await passkeys.delete("user-3", "b1")).toBe(true);
    expect(await passkeys.deleteAllOfUser("user-3")).toBe(1);
    expect(await passkeys.listByUser("user-3")).toEqual([]);
  });

  it("a person keeps one user handle, which resolves back to them until forgotten", async () => {
    const first = await passkeys.handleOf("user-4", () => "handle-4", 1_800_000_000);
    const second = await passkeys.handleOf("user-4", () => "another", 1_800_000_001);
    expect([first, second]).toEqual(["handle-4", "handle-4"]);
    expect(await passkeys.userOfHandle("handle-4")).toBe("user-4");
    expect(await passkeys.userOfHandle("another")).toBeUndefined();
    await passkeys.deleteHandle("user-4");
    expect(await passkeys.userOfHandle("handle-4")).toBeUndefined();
  });
});
