import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
  },
});
