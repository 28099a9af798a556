import { describe, expect, it } from "vitest";
import { newId } from "../src/tokens/opaque.js";

describe("generated ids", () => {
  // Regression: a base64url client id starting with "-" was read as an option by `frontdesk client delete ID`.
  it("are 128-bit hex, so they never start with a dash", () => {
    const ids = Array.from({ length: 2000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
