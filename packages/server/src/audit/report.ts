import type { Check, CheckStatus } from "./check.js";

const GROUPS: Record<string, string> = {
  discovery: "Discovery",
  jwks: "Keys (JWKS)",
  authz: "Authorization endpoint",
  signin: "Sign-in page",
  token: "Token endpoint and access token",
  refresh: "Refresh tokens",
  tls: "TLS",
};

const LABEL: Record<CheckStatus, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" };

/** `3 fail, 4 warn, 20 pass, 5 skip`, worst first. */
export function tally(checks: readonly Check[]): string {
  const order: CheckStatus[] = ["fail", "warn", "pass", "skip"];
  return order.map((status) => `${checks.filter((c) => c.status === status).length} ${status}`).join(", ");
}

/** One check as three lines: status and title, what was seen, the reference. */
export function formatCheck(check: Check): string {
  return [
    `  ${LABEL[check.status]}  ${check.title}  [${check.id}]`,
    `        ${check.detail}`,
    `        ${check.reference}`,
  ].join("\n");
}

/** The report a person reads: a summary line, then the checks under their group's heading. */
export function formatAudit(report: { target: string; checks: Check[]; requests: number }): string {
  const lines = [`Audit of ${report.target}: ${tally(report.checks)} (${report.requests} requests)`];
  let group = "";
  for (const check of report.checks) {
    const prefix = check.id.split(".")[0] ?? "";
    if (prefix !== group) {
      group = prefix;
      lines.push("", GROUPS[prefix] ?? prefix);
    }
    lines.push(formatCheck(check));
  }
  const failed = report.checks.filter((c) => c.status === "fail").length;
  lines.push("", failed > 0 ? `${failed} check(s) failed.` : "No check failed.");
  return lines.join("\n");
}
