const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** A span of seconds in the largest unit that reads well: "10 minutes", "24 hours", "8 years". */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s >= 2 * 365 * 86400) return count(Math.round(s / (365 * 86400)), "year");
  if (s >= 2 * 86400) return count(Math.round(s / 86400), "day");
  if (s >= 2 * 3600) return count(Math.round(s / 3600), "hour");
  if (s >= 120) return count(Math.round(s / 60), "minute");
  return count(Math.round(s), "second");
}

/** A NumericDate as an ISO time and how far it is from `now`: "2026-… (in 10 minutes)". */
export function moment(seconds: number, now: number): string {
  const relative = seconds >= now ? `in ${duration(seconds - now)}` : `${duration(now - seconds)} ago`;
  return `${new Date(seconds * 1000).toISOString()} (${relative})`;
}
