import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The installs of the packed packages (install/packed-*.test.ts, a minute or more each)
 * start first, so the rest of the files fill the workers around them instead of one of
 * them running alone at the end. The rest keep Vitest's order (slowest first, from its
 * cache of the last run, where there is one).
 */
class PackedInstallsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const install = (file: TestSpecification) =>
      /\/test\/install\/packed-[^/]*\.test\.ts$/.test(file.moduleId);
    return [...sorted.filter(install), ...sorted.filter((file) => !install(file))];
  }
}

const guardSource = (path: string) => fileURLToPath(new URL(`packages/guard/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests that import the guard by its package name (the server's, and the guard's examples of
    // `@frontdesk/guard/testing`) run the sources of this checkout, not a stale build.
    alias: [
      { find: /^@frontdesk\/guard$/, replacement: guardSource("index.ts") },
      {
        find: /^@frontdesk\/guard\/(node|express|fastify|hono)$/,
        replacement: guardSource("adapters/$1.ts"),
      },
      { find: /^@frontdesk\/guard\/(dpop|testing)$/, replacement: guardSource("$1/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time: Vitest's default on a 2-core machine is one, and most files
    // wait on server processes, PostgreSQL, Redis or a browser rather than compute.
    maxWorkers: 2,
    sequence: { sequencer: PackedInstallsFirst },
  },
});
