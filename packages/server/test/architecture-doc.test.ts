import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FEATURES } from "../src/main/features.js";

const root = resolve(import.meta.dirname, "../../..");
const src = resolve(root, "packages/server/src");
const doc = readFileSync(resolve(root, "docs/architecture.md"), "utf8");

describe("docs/architecture.md matches the tree", () => {
  it("its layer table names every folder of src, and only those", () => {
    const table = doc.slice(doc.indexOf("## Layers"), doc.indexOf("Rules on top"));
    const named = new Set(
      [...table.matchAll(/^\| \d+ +\| ([^|]+)\|/gm)].flatMap((row) =>
        [...(row[1] as string).matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]),
      ),
    );
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...named].sort()).toEqual(folders.sort());
  });

  it("every source file it names exists", () => {
    const files = [...doc.matchAll(/`((?:[a-z-]+\/)+[a-z-]+\.ts)`/g)].map((m) => m[1] as string);
    expect(files.length).toBeGreaterThan(10);
    const missing = files.filter(
      (f) => !existsSync(resolve(src, f)) && !existsSync(resolve(root, "packages/server", f)),
    );
    expect(missing).toEqual([]);
  });

  it("its core features are exactly the features with required: true (no switch)", () => {
    const start = doc.indexOf("Core features (");
    expect(start).toBeGreaterThan(0);
    const list = doc.slice(start, doc.indexOf(")", start));
    const named = [...list.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    const required = FEATURES.filter((f) => f.required === true).map((f) => f.name);
    expect(required.length).toBeGreaterThan(0);
    expect([...named].sort()).toEqual([...required].sort());
  });

  it("its layers are the ones scripts/layers.mjs enforces", () => {
    const script = readFileSync(resolve(root, "scripts/layers.mjs"), "utf8");
    const block = script.slice(
      script.indexOf("const layers = ["),
      script.indexOf("];", script.indexOf("const layers = [")),
    );
    const enforced = [...block.matchAll(/"([a-z-]+)"/g)].map((m) => m[1]);
    const table = doc.slice(doc.indexOf("## Layers"), doc.indexOf("Rules on top"));
    const documented = [...table.matchAll(/^\| \d+ +\| ([^|]+)\|/gm)].flatMap((row) =>
      [...(row[1] as string).matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]),
    );
    expect(documented).toEqual(enforced);
  });
});
