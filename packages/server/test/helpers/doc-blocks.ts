import { spawn } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect } from "vitest";
import { tempDir } from "./server.js";

export const ROOT = resolve(import.meta.dirname, "../../../..");
const MARKER = "### doc block ";

export interface Block {
  line: number;
  code: string;
  skip?: string;
}

/** Every ```sh block of a Markdown text, with the reason when the line before says to skip it. */
export function shellBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item): the same indent closes them.
    const open = /^(\s*)```sh$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1] as string;
    const end = lines.indexOf(`${indent}\`\`\``, i + 1);
    const skip = /^\s*<!-- readme-test: skip \((.+)\) -->$/.exec(lines[i - 1] ?? "")?.[1];
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(indent.length))
      .join("\n");
    blocks.push({ line: i + 1, code, ...(skip ? { skip } : {}) });
    i = end;
  }
  return blocks;
}

/** Keys of the JSON a block says it prints (`# {"access_token":…}`). */
export function promisedKeys(code: string): string[] {
  return code
    .split("\n")
    .filter((l) => /^#\s*\{/.test(l.trim()))
    .flatMap((l) => [...l.matchAll(/"([a-z_]+)":/g)].map((m) => m[1] as string));
}

/**
 * A folder like the reader's project (this checkout's node_modules, so `npx frontdesk`
 * is the CLI built here), where the blocks' files (`frontdesk-admin.json`) can land.
 */
export function readerFolder(): string {
  const dir = tempDir("frontdesk-reader-");
  writeFileSync(resolve(dir, "package.json"), '{ "name": "doc-reader", "private": true }\n');
  symlinkSync(resolve(ROOT, "node_modules"), resolve(dir, "node_modules"));
  return dir;
}

function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn("bash", ["-c", script], { cwd, env });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    child.on("exit", (code) => done({ code, out }));
  });
}

export interface BlockRun {
  code: number | null;
  /** Everything printed, stdout and stderr. */
  out: string;
  /** What each block printed, by its line. */
  outputs: Map<number, string>;
}

/**
 * Runs the blocks that are not skipped in one shell, in order (`set -euo pipefail`, so
 * a failing command fails the run), each after `rewrite` (placeholders such as the
 * port), with `npx` finding this checkout's CLI.
 */
export async function runBlocks(
  blocks: Block[],
  options: { env: NodeJS.ProcessEnv; rewrite: (code: string) => string; cwd?: string },
): Promise<BlockRun> {
  const script = [
    "set -euo pipefail",
    ...blocks
      .filter((b) => !b.skip)
      .map((b) => [`echo '${MARKER}${b.line}'`, options.rewrite(b.code)].join("\n")),
  ].join("\n");
  const { code, out } = await bash(script, options.cwd ?? readerFolder(), {
    ...options.env,
    PATH: `${resolve(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  });
  const outputs = new Map(
    out
      .split(MARKER)
      .slice(1)
      .map((part) => [Number(part.slice(0, part.indexOf("\n"))), part.slice(part.indexOf("\n") + 1)]),
  );
  return { code, out, outputs };
}

/** The run succeeded, and each block printed the JSON keys it promises and no OAuth error. */
export function expectBlocksKeptTheirWord(file: string, blocks: Block[], run: BlockRun): void {
  expect(run.code, run.out).toBe(0);
  for (const block of blocks.filter((b) => !b.skip)) {
    const printed = run.outputs.get(block.line) ?? "";
    for (const key of promisedKeys(block.code))
      expect(printed, `${file} line ${block.line}`).toContain(`"${key}":`);
    expect(printed, `${file} line ${block.line}`).not.toMatch(/"error":/);
  }
}
