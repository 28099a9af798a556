import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { NODE_LINES } from "./helpers.js";
import { describePackedInstall, packedTestFile } from "./packed.js";

describePackedInstall("of this machine");

it("every Node line the packages are installed on has its test file", () => {
  const files = readdirSync(import.meta.dirname).filter((f) => f.startsWith("packed-"));
  expect(files.sort()).toEqual(NODE_LINES.map(packedTestFile).sort());
});
