import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

/** Where full-page screenshots go (git-ignored), for a person to look at. */
export const SCREENSHOTS = resolve(import.meta.dirname, "../../../../test-results/screenshots");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's headless Chromium, driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/**
 * The little of the DOM that the functions given to page.evaluate use: they run
 * inside Chromium, and this project compiles without the DOM library.
 */
export interface DomElement {
  id: string;
  name?: string;
  type?: string;
  disabled?: boolean;
  textContent: string | null;
  outerHTML: string;
  labels?: { length: number } | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  blur?(): void;
}
/** `document`, as far as these tests use it: `declare const document: BrowserDocument;` where a page.evaluate needs it. */
export interface BrowserDocument {
  title: string;
  documentElement: { lang: string; scrollWidth: number; clientWidth: number };
  activeElement: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
}
declare const document: BrowserDocument;

/** A full-page screenshot into SCREENSHOTS, for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Accessibility basics, checked in the rendered page: a language, exactly one h1,
 * a label for every visible input, and every enabled control reachable with Tab.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const facts = await page.evaluate(() => {
    const visibleInputs = [...document.querySelectorAll("input, select, textarea")].filter(
      (el) => el.type !== "hidden",
    );
    return {
      lang: document.documentElement.lang,
      h1: [...document.querySelectorAll("h1")].map((h) => h.textContent?.trim() ?? ""),
      title: document.title,
      unlabelled: visibleInputs
        .filter(
          (el) =>
            (el.labels?.length ?? 0) === 0 &&
            !el.getAttribute("aria-label") &&
            !el.getAttribute("aria-labelledby"),
        )
        .map((el) => el.name || el.id),
      unnamedButtons: [...document.querySelectorAll("button")]
        .filter((b) => !(b.textContent ?? "").trim() && !b.getAttribute("aria-label"))
        .map((b) => b.outerHTML),
      hasMain: document.querySelector("main") !== null,
    };
  });
  expect(facts.lang).toBe("en");
  expect(facts.h1).toHaveLength(1);
  expect(facts.h1[0]).not.toBe("");
  expect(facts.title).toContain(facts.h1[0] as string);
  expect(facts.unlabelled).toEqual([]);
  expect(facts.unnamedButtons).toEqual([]);
  expect(facts.hasMain).toBe(true);

  // Walk the page with the keyboard: every enabled button, input and link must take focus.
  const focusable = await page.evaluate(() => {
    const all = [...document.querySelectorAll("a[href], button, input:not([type=hidden])")].filter(
      (el) => !el.disabled,
    );
    all.forEach((el, i) => {
      el.setAttribute("data-kb", String(i));
    });
    document.activeElement?.blur?.();
    return all.length;
  });
  const reached = new Set<string>();
  for (let i = 0; i < focusable + 5 && reached.size < focusable; i++) {
    await page.keyboard.press("Tab");
    const mark = await page.evaluate(() => document.activeElement?.getAttribute("data-kb") ?? null);
    if (mark !== null) reached.add(mark);
  }
  expect(reached.size).toBe(focusable);
}
