import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);

describe("repository hygiene", () => {
  it("Biome checks only the project's own sources: an untracked scratch file does not fail npm test", async () => {
    const scratch = resolve(root, `scratch-${process.pid}.ts`);
    writeFileSync(scratch, "const  unformatted = 1;;\nvar unused = 2\n");
    try {
      const { stdout, stderr } = await run(resolve(root, "node_modules/.bin/biome"), ["check", "."], {
        cwd: root,
      });
      expect(`${stdout}${stderr}`).not.toContain("scratch-");
    } finally {
      rmSync(scratch, { force: true });
    }
  });

  it("ships the Apache-2.0 LICENSE that package.json names, at the root and in each package", () => {
    for (const dir of [".", "packages/server", "packages/guard"]) {
      const pkg = JSON.parse(readFileSync(resolve(root, dir, "package.json"), "utf8")) as {
        license?: string;
      };
      if (dir !== ".") expect(pkg.license).toBe("Apache-2.0");
      const text = readFileSync(resolve(root, dir, "LICENSE"), "utf8");
      expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
      expect(text).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    }
  });
});
