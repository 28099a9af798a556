import { describe, expect, it } from "vitest";
import { DeviceCodes } from "../../../src/features/device-flow/device-codes.js";
import {
  formatUserCode,
  newUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
} from "../../../src/features/device-flow/user-code.js";
import { memoryFastStore } from "../../../src/storage/fast/memory.js";

describe("user codes", () => {
  it("are 8 letters of BCDFGHJKLMNPQRSTVWXZ, shown as XXXX-XXXX", () => {
    expect(USER_CODE_ALPHABET).toBe("BCDFGHJKLMNPQRSTVWXZ");
    for (let i = 0; i < 200; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      expect(formatUserCode(code)).toBe(`${code.slice(0, 4)}-${code.slice(4)}`);
    }
  });

  it("are accepted case-insensitively, with or without the dash; anything else is not a user code", () => {
    expect(normalizeUserCode("bcdf-ghjk")).toBe("BCDFGHJK");
    expect(normalizeUserCode("BCDFGHJK")).toBe("BCDFGHJK");
    expect(normalizeUserCode(" bcdf ghjk ")).toBe("BCDFGHJK");
    for (const bad of [undefined, "", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GHJ1", "x".repeat(64)])
      expect(normalizeUserCode(bad), String(bad)).toBeUndefined();
  });
});

describe("DeviceCodes with an injected clock", () => {
  const setup = (ttl = 600, interval = 5) => {
    const clock = { now: 1_700_000_000_000 };
    const codes = new DeviceCodes(
      memoryFastStore(() => clock.now),
      { ttl, interval },
      () => clock.now,
    );
    return { clock, codes };
  };
  const input = { clientId: "tv", scopes: ["openid"], audience: "https://api.example" };

  it("polls sooner than the interval get slow_down and add 5 s each; polls after it are pending", async () => {
    const { clock, codes } = setup();
    const { deviceCode } = await codes.create(input);
    expect((await codes.poll(deviceCode, "tv")).state).toBe("pending");
    clock.now += 4_999;
    expect((await codes.poll(deviceCode, "tv")).state).toBe("slow_down"); // interval now 10
    clock.now += 9_000;
    expect((await codes.poll(deviceCode, "tv")).state).toBe("slow_down"); // interval now 15
    clock.now += 15_000;
    expect((await codes.poll(deviceCode, "tv")).state).toBe("pending");
    clock.now += 15_000;
    expect((await codes.poll(deviceCode, "tv")).state).toBe("pending");
  });

  it("expires after expires_in: expired_token when polled, and the user code no longer found", async () => {
    const { clock, codes } = setup(60);
    const { deviceCode, userCode } = await codes.create(input);
    clock.now += 59_000;
    expect(await codes.findByUserCode(userCode)).toBeDefined();
    clock.now += 1_000;
    expect((await codes.poll(deviceCode, "tv")).state).toBe("expired");
    expect(await codes.findByUserCode(userCode)).toBeUndefined();
  });

  it("hands an approval out exactly once, even to concurrent polls; the first answer wins", async () => {
    const { codes } = setup();
    const { deviceCode, userCode } = await codes.create(input);
    const found = await codes.findByUserCode(userCode);
    if (!found) throw new Error("user code not found");
    const approval = {
      status: "approved" as const,
      userId: "u",
      sid: "s",
      authTime: 1,
      amr: ["pwd"],
      acr: null,
    };
    expect(await codes.decide(found.key, approval)).toBe(true);
    expect(await codes.decide(found.key, { status: "denied" })).toBe(false);
    expect(await codes.findByUserCode(userCode)).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 5 }, () => codes.poll(deviceCode, "tv")));
    expect(results.map((r) => r.state).sort()).toEqual(["approved", "spent", "spent", "spent", "spent"]);
    expect((await codes.poll(deviceCode, "tv")).state).toBe("spent");
  });

  it("stores the device code only hashed", async () => {
    const store = memoryFastStore();
    const codes = new DeviceCodes(store, { ttl: 600, interval: 5 });
    const { deviceCode } = await codes.create(input);
    expect(await store.get("device", deviceCode)).toBeUndefined();
    expect(Buffer.from(deviceCode, "base64url").length).toBe(32);
  });
});
