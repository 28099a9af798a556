import { describe, expect, it } from "vitest";
import { RevocationSet } from "../src/index.js";
import { parseRevocationEvent } from "../src/revocation/event.js";

const T0 = 1_732_375_000;

function clock() {
  let ms = T0 * 1000;
  return { now: () => ms, advance: (seconds: number) => (ms += seconds * 1000) };
}

describe("RevocationSet", () => {
  it("revokes by jti, sid and client_id, and nothing else", () => {
    const c = clock();
    const set = new RevocationSet({ now: c.now });
    set.add({ type: "jti", value: "j1", expires_at: T0 + 60 });
    set.add({ type: "sid", value: "s1", expires_at: T0 + 60 });
    set.add({ type: "client", value: "c1", expires_at: T0 + 60 });
    expect(set.isRevoked({ jti: "j1" })).toBe(true);
    expect(set.isRevoked({ sid: "s1" })).toBe(true);
    expect(set.isRevoked({ client_id: "c1" })).toBe(true);
    expect(set.isRevoked({ jti: "j2", sid: "s2", client_id: "c2", sub: "j1" })).toBe(false);
    // Values are not confused across types.
    expect(set.isRevoked({ sid: "j1", client_id: "s1", jti: "c1" })).toBe(false);
    set.close();
  });

  it("revokes a subject's tokens issued at or before `before` only", () => {
    const set = new RevocationSet({ now: clock().now });
    set.add({ type: "sub", value: "u1", before: T0 - 10, expires_at: T0 + 600 });
    expect(set.isRevoked({ sub: "u1", iat: T0 - 20 })).toBe(true);
    expect(set.isRevoked({ sub: "u1", iat: T0 - 10 })).toBe(true);
    expect(set.isRevoked({ sub: "u1", iat: T0 - 9 })).toBe(false);
    expect(set.isRevoked({ sub: "u2", iat: T0 - 20 })).toBe(false);
    expect(set.isRevoked({ sub: "u1" })).toBe(true); // no iat: fail closed
    // A later event moves the cut-off forward; an older one never moves it back.
    set.add({ type: "sub", value: "u1", before: T0, expires_at: T0 + 700 });
    set.add({ type: "sub", value: "u1", before: T0 - 100, expires_at: T0 + 10 });
    expect(set.isRevoked({ sub: "u1", iat: T0 - 5 })).toBe(true);
    expect(set.isRevoked({ sub: "u1", iat: T0 + 1 })).toBe(false);
    set.close();
  });

  it("ignores events that already expired or break the contract", () => {
    const set = new RevocationSet({ now: clock().now });
    expect(set.add({ type: "jti", value: "old", expires_at: T0 - 1 })).toBe(false);
    expect(set.add({ type: "sub", value: "u1", expires_at: T0 + 60 })).toBe(false); // no before
    expect(set.add({ type: "session", value: "x", expires_at: T0 + 60 })).toBe(false);
    expect(set.add({ type: "jti", value: "", expires_at: T0 + 60 })).toBe(false);
    expect(set.add({ type: "jti", value: "j", expires_at: "soon" })).toBe(false);
    expect(set.add("{not json")).toBe(false);
    expect(set.add('{"type":"jti","value":"j","expires_at":1732375600}')).toBe(true);
    expect(set.size).toBe(1);
    set.close();
  });

  it("stops matching after expires_at and the sweep drops expired entries", () => {
    const c = clock();
    const set = new RevocationSet({ now: c.now });
    set.add({ type: "jti", value: "short", expires_at: T0 + 10 });
    set.add({ type: "sid", value: "short", expires_at: T0 + 10 });
    set.add({ type: "sub", value: "short", before: T0, expires_at: T0 + 10 });
    set.add({ type: "client", value: "long", expires_at: T0 + 1000 });
    expect(set.size).toBe(4);
    c.advance(11);
    expect(set.isRevoked({ jti: "short" })).toBe(false);
    expect(set.isRevoked({ sub: "short", iat: T0 - 1 })).toBe(false);
    expect(set.size).toBe(4); // still held until the sweep
    set.sweep();
    expect(set.size).toBe(1);
    expect(set.isRevoked({ client_id: "long" })).toBe(true);
    set.close();
  });

  it("sweeps on its own timer", async () => {
    const c = clock();
    const set = new RevocationSet({ now: c.now, sweepInterval: 20 });
    set.add({ type: "jti", value: "j", expires_at: T0 + 1 });
    c.advance(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(set.size).toBe(0);
    set.close();
  });

  it("replace() swaps the whole content (feed reset)", () => {
    const set = new RevocationSet({ now: clock().now });
    set.add({ type: "jti", value: "gone", expires_at: T0 + 60 });
    set.replace([{ type: "jti", value: "kept", expires_at: T0 + 60 }]);
    expect(set.isRevoked({ jti: "gone" })).toBe(false);
    expect(set.isRevoked({ jti: "kept" })).toBe(true);
    set.close();
  });

  it("parses the contract's example event", () => {
    expect(
      parseRevocationEvent({ id: "1732375000123-0", type: "jti", value: "b1f0", expires_at: 1732375600 }),
    ).toEqual({
      id: "1732375000123-0",
      type: "jti",
      value: "b1f0",
      expires_at: 1732375600,
    });
  });
});
