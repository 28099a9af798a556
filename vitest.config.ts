import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The server's tests run the guard's DPoP sources of this checkout, not a stale build.
    alias: {
      "@frontdesk/guard/dpop": fileURLToPath(new URL("packages/guard/src/dpop/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
