import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DOCS = fileURLToPath(new URL("../../../../docs/", import.meta.url));

/**
 * The fenced code block a doc keeps between `<!-- snippet: NAME -->` and
 * `<!-- /snippet: NAME -->`, so a test runs exactly what readers copy.
 */
export function docSnippet(file: string, name: string): string {
  const text = readFileSync(`${DOCS}${file}`, "utf8");
  const open = `<!-- snippet: ${name} -->`;
  const close = `<!-- /snippet: ${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`docs/${file} has no ${open} ... ${close}`);
  if (text.indexOf(open, start + 1) >= 0) throw new Error(`docs/${file} has ${open} twice`);
  const between = text.slice(start + open.length, end);
  const blocks = [...between.matchAll(/^```[\w-]*\n([\s\S]*?)^```$/gm)];
  if (blocks.length !== 1) throw new Error(`docs/${file}: ${open} must hold one fenced code block`);
  return (blocks[0] as RegExpMatchArray)[1] as string;
}

/**
 * Replaces each placeholder of a snippet (hostnames such as `frontdesk:3000`) by its
 * test value. Every placeholder must occur, so the doc cannot drift from the test.
 */
export function fillPlaceholders(snippet: string, values: Record<string, string>): string {
  let out = snippet;
  for (const [placeholder, value] of Object.entries(values)) {
    if (!out.includes(placeholder))
      throw new Error(`the snippet has no placeholder ${placeholder}:\n${snippet}`);
    out = out.replaceAll(placeholder, value);
  }
  return out;
}
