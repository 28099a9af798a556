import { expect } from "vitest";
import type { Check, CheckStatus } from "../../src/audit/check.js";
import { ALL_CHECKS, type AuditReport } from "../../src/audit/run.js";
import { type CliResult, runCli } from "../helpers/http.js";

export interface AuditRun extends CliResult {
  report: AuditReport;
}

export interface AuditArgs {
  clientId?: string;
  secret?: string;
  redirectUri?: string;
  /** A certificate the CLI must trust (the test's self-signed one). */
  caFile?: string;
}

/** Runs the built `frontdesk audit … --json` and parses its one line of JSON. */
export async function auditCli(issuer: string, args: AuditArgs = {}): Promise<AuditRun> {
  const argv = ["audit", issuer, "--json"];
  if (args.clientId) argv.push("--client-id", args.clientId);
  if (args.secret !== undefined) argv.push("--client-secret-stdin");
  if (args.redirectUri) argv.push("--redirect-uri", args.redirectUri);
  const result = await runCli(argv, args.caFile ? { NODE_EXTRA_CA_CERTS: args.caFile } : {}, args.secret);
  const lines = result.stdout.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  const report = JSON.parse(lines[0] as string) as AuditReport;
  // Whatever it could or could not reach, the report has every check, in order.
  expect(report.checks.map((c) => c.id)).toEqual(ALL_CHECKS.map((c) => c.id));
  return { ...result, report };
}

/** Each check's status by id: what the tests assert, every finding by name. */
export function statuses(report: AuditReport): Record<string, CheckStatus> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

export function check(report: AuditReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report`);
  return found;
}

/** The ids of every check in a group (`token.`, `authz.`), from the report itself. */
export function group(report: AuditReport, prefix: string): Check[] {
  return report.checks.filter((c) => c.id.startsWith(prefix));
}
