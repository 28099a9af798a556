// Result rows, Frontdesk/peer comparisons, and the printed table.
import { ratio } from "./stats.mjs";

/** Rows and a comparison from a `compareLoad` result with keys `frontdesk` and `peer`. */
export function loadRows(scenario, caseName, result, peerName, target) {
  const rows = [
    { scenario, case: caseName, system: "frontdesk", unit: "req/s", ...pick(result.frontdesk) },
    { scenario, case: caseName, system: peerName, unit: "req/s", ...pick(result.peer) },
  ];
  const comparison = compare(
    scenario,
    caseName,
    "req/s",
    result.frontdesk.rps,
    result.peer.rps,
    peerName,
    target,
  );
  return { rows, comparisons: [comparison] };
}

/**
 * The ceiling's row and Frontdesk's ratio to it, from a `compareLoad` result that also has the
 * key `ceiling` (bench/peers/ceiling.mjs).
 */
export function ceilingRows(scenario, caseName, result, target) {
  return {
    rows: [{ scenario, case: caseName, system: "ceiling", unit: "req/s", ...pick(result.ceiling) }],
    comparisons: [
      compare(scenario, caseName, "req/s", result.frontdesk.rps, result.ceiling.rps, "ceiling", target),
    ],
  };
}

function pick(r) {
  return { value: r.rps, p50: r.p50, p99: r.p99, errors: r.errors, runs: r.runs };
}

/**
 * `target` is `{ min }` (ratio must reach it) or `{ max }` (ratio must stay below it), or
 * undefined for information only.
 */
export function compare(scenario, caseName, unit, frontdesk, peer, peerName, target) {
  const r = ratio(frontdesk, peer);
  let met;
  if (target?.min !== undefined) met = r >= target.min;
  if (target?.max !== undefined) met = r < target.max;
  return { scenario, case: caseName, unit, frontdesk, peer, peerName, ratio: r, target: target ?? null, met };
}

const fmt = (v, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v)
    ? "-"
    : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function valueText(row) {
  if (row.unit === "MB" || row.unit === "ms") return fmt(row.value, 1);
  return fmt(row.value, row.value < 100 ? 1 : 0);
}

function targetText(c) {
  if (!c?.target) return "";
  const want = c.target.min !== undefined ? `>= ${c.target.min}x` : `< ${c.target.max}x`;
  return `${want} ${c.met ? "met" : "MISSED"}`;
}

/** The table: one line per system and case; the ratio on the Frontdesk line. */
export function formatTable(rows, comparisons) {
  const header = [
    "scenario",
    "case",
    "system",
    "value",
    "unit",
    "p50 ms",
    "p99 ms",
    "errors",
    "FD/peer",
    "target",
  ];
  const lines = rows.map((row) => {
    // A comparison is shown on its subject's line (Frontdesk's unless it names another).
    const cs = comparisons.filter(
      (x) =>
        x.scenario === row.scenario &&
        x.case === row.case &&
        x.unit === row.unit &&
        (x.subject ?? "frontdesk") === row.system,
    );
    return [
      row.scenario,
      row.case,
      row.system,
      valueText(row),
      row.unit,
      row.p50 === undefined ? "" : fmt(row.p50, 2),
      row.p99 === undefined ? "" : fmt(row.p99, 2),
      row.errors === undefined ? "" : fmt(row.errors),
      cs.map((c) => `${fmt(c.ratio, 2)}x vs ${c.peerName}`).join(", "),
      cs.map(targetText).filter(Boolean).join(", "),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  // Left-align the last two columns too.
  const render = (cells) =>
    cells
      .map((c, i) => (i < 3 || i >= 8 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join("  ");
  const out = [render(header), widths.map((w) => "-".repeat(w)).join("  ")];
  let last;
  for (const l of lines) {
    if (last !== undefined && l[0] !== last) out.push("");
    last = l[0];
    out.push(render(l).trimEnd());
  }
  return out.join("\n");
}
