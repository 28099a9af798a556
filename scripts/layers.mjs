// The server's layers, lowest first, and the Biome rules that keep imports pointing down.
// `node scripts/layers.mjs` rewrites biome.json's "overrides" from this table;
// `node scripts/layers.mjs --check` (run by `npm test`) fails when they differ.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const cfgPath = new URL("../biome.json", import.meta.url);
const check = process.argv.includes("--check");
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const SRC = "packages/server/src";
const DOC = "move the shared code down or invert the dependency (docs/architecture.md)";

const layers = [
  ["errors", "logging"],
  ["config"],
  ["oauth"],
  ["storage"],
  ["keys", "tokens", "sessions", "users", "clients", "revocation", "outbound", "mail", "audit"],
  ["pages"],
  ["http"],
  ["interaction"],
  ["features"],
  ["main", "cli"],
];
const names = (folders) => {
  const f = folders.map((x) => `${x}/`);
  return f.length === 1 ? f[0] : `${f.slice(0, -1).join(", ")} and ${f.at(-1)}`;
};
const noTest = {
  group: ["../**/test/**"],
  message:
    "packages/server/src may not import from packages/server/test: move the shared code into src or keep it in test",
};
const upward = (i) =>
  layers.slice(i + 1).map((higher) => ({
    group: higher.map((f) => `../**/${f}/**`),
    message: `${names(layers[i])} ${layers[i].length === 1 ? "is" : "are"} below ${names(higher)}: ${DOC}`,
  }));
const rule = (patterns) => ({
  linter: {
    rules: { style: { noRestrictedImports: { level: "error", options: { patterns } } } },
  },
});
const overrides = [];
overrides.push({ includes: [`${SRC}/**`], ...rule([noTest]) });
layers.slice(0, -1).forEach((folders, i) => {
  overrides.push({ includes: folders.map((f) => `${SRC}/${f}/**`), ...rule([...upward(i), noTest]) });
});
const featureLayer = layers.findIndex((l) => l[0] === "features");
const crossFeature = (depth) => ({
  group: [`${"../".repeat(depth)}*/**`, `!${"../".repeat(depth + 1)}**`, "../**/features/*/**"],
  message:
    "A feature folder may not import another feature folder, only features/contract.ts, features/registry.ts and lower layers: move the shared code down (docs/architecture.md)",
});
for (const depth of [1, 2, 3]) {
  overrides.push({
    includes: [`${SRC}/features/*/${"*/".repeat(depth - 1)}*`],
    ...rule([crossFeature(depth), ...upward(featureLayer), noTest]),
  });
}
overrides.push({
  includes: ["packages/guard/src/**"],
  ...rule([
    {
      group: ["@frontdesk/server", "@frontdesk/server/**", "../**/server/**"],
      message:
        "packages/guard may not import from packages/server: the guard ships on its own; move the shared code into guard",
    },
  ]),
});
const wanted = JSON.stringify(overrides);
if (check) {
  if (JSON.stringify(cfg.overrides) !== wanted) {
    console.error("biome.json overrides differ from scripts/layers.mjs: run `node scripts/layers.mjs`");
    process.exit(1);
  }
} else {
  cfg.overrides = overrides;
  writeFileSync(cfgPath, `${JSON.stringify(cfg, null, 2)}\n`);
  execFileSync("npx", ["biome", "format", "--write", "biome.json"], { stdio: "inherit" });
}
