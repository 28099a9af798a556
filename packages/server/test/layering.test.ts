import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const biome = join(repo, "node_modules/.bin/biome");
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "frontdesk-layering-"));
  copyFileSync(join(repo, "biome.json"), join(root, "biome.json"));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes one fixture under the temp root (laid out like the repo) and lints it with the repo's biome.json. */
function lint(path: string, source: string): Promise<{ code: number; output: string }> {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const args = ["lint", "--only=style/noRestrictedImports", "--colors=off", path];
  return new Promise((resolve) => {
    execFile(biome, args, { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("layering rules in biome.json", () => {
  it("reject storage/ importing http/", async () => {
    const { code, output } = await lint(
      "packages/server/src/storage/bad.ts",
      'import { x } from "../http/cors.js";\nexport const y = x;\n',
    );
    expect(output).toContain("lint/style/noRestrictedImports");
    expect(output).toContain("storage/ is below http/");
    expect(code).not.toBe(0);
  });

  it("reject a feature importing another feature", async () => {
    const { code, output } = await lint(
      "packages/server/src/features/a/feature.ts",
      'import { x } from "../b/feature.js";\nexport const y = x;\n',
    );
    expect(output).toContain("lint/style/noRestrictedImports");
    expect(output).toContain("A feature folder may not import another feature folder");
    expect(code).not.toBe(0);
  });

  it("accept http/ importing storage/ (downward)", async () => {
    const { code, output } = await lint(
      "packages/server/src/http/ok.ts",
      'import { x } from "../storage/durable/types.js";\nexport const y = x;\n',
    );
    expect(output).not.toContain("noRestrictedImports");
    expect(code).toBe(0);
  });
});
