import { readFileSync } from "node:fs";

/**
 * The version of `@frontdesk/server`, read from its package.json next to the code
 * (`dist/cli/` and `src/cli/` are both two folders below it), so it is right
 * wherever the package is installed and whatever the working directory.
 */
export function packageVersion(): string {
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}
