import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_CHECKS } from "../../src/audit/run.js";
import { FAILURE_CODES } from "../../src/audit/verify.js";

const doc = readFileSync(resolve(import.meta.dirname, "../../../../docs/audit.md"), "utf8");

/** The table rows of the doc whose first cell is a code span: `| \`id\` | … | last |`. */
function rows(): Map<string, string[]> {
  return new Map(
    [...doc.matchAll(/^\| `([a-z_.-]+)` +\|(.*)\|$/gm)].map((m) => [
      m[1] as string,
      (m[2] as string).split(" | ").map((cell) => cell.trim()),
    ]),
  );
}

describe("docs/audit.md matches the code", () => {
  it("lists every check the audit makes, once, with its reference, and no other", () => {
    const table = rows();
    const documented = [...table.keys()].filter((id) => id.includes("."));
    expect(documented).toEqual(ALL_CHECKS.map((c) => c.id));
    for (const c of ALL_CHECKS) expect(table.get(c.id)?.at(-1), c.id).toBe(c.reference);
  });

  it("explains every failure code of jwt inspect", () => {
    const documented = [...rows().keys()].filter((id) => !id.includes("."));
    expect(documented.sort()).toEqual([...FAILURE_CODES].sort());
  });
});
