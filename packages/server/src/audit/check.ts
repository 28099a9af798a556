/**
 * One finding of an audit: `pass` and `fail` only for what was looked at, `warn` for
 * what goes against a SHOULD or a sound default, `skip` (with why) for what could
 * not be checked, so a report never claims more than it saw.
 */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface Check {
  id: string;
  status: CheckStatus;
  title: string;
  /** The RFC or BCP section the check rests on. */
  reference: string;
  detail: string;
}

/** What a check is, before it has a result. */
export interface CheckSpec {
  id: string;
  title: string;
  reference: string;
}

export const pass = (spec: CheckSpec, detail: string): Check => ({ ...spec, status: "pass", detail });
export const warn = (spec: CheckSpec, detail: string): Check => ({ ...spec, status: "warn", detail });
export const fail = (spec: CheckSpec, detail: string): Check => ({ ...spec, status: "fail", detail });
export const skip = (spec: CheckSpec, detail: string): Check => ({ ...spec, status: "skip", detail });

/** Every check of a group skipped for one reason (the group could not run). */
export function skipAll(specs: readonly CheckSpec[], detail: string): Check[] {
  return specs.map((spec) => skip(spec, detail));
}

export function hasFailure(checks: readonly Check[]): boolean {
  return checks.some((check) => check.status === "fail");
}
