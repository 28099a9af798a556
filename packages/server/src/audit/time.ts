/** A span of seconds in the largest unit that reads well: "10 minutes", "24 hours", "8 years". */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s >= 2 * 365 * 86400) return `${Math.round(s / (365 * 86400))} years`;
  if (s >= 2 * 86400) return `${Math.round(s / 86400)} days`;
  if (s >= 2 * 3600) return `${Math.round(s / 3600)} hours`;
  if (s >= 120) return `${Math.round(s / 60)} minutes`;
  return `${Math.round(s)} seconds`;
}

/** A NumericDate as an ISO time and how far it is from `now`: "2026-… (in 10 minutes)". */
export function moment(seconds: number, now: number): string {
  const relative = seconds >= now ? `in ${duration(seconds - now)}` : `${duration(now - seconds)} ago`;
  return `${new Date(seconds * 1000).toISOString()} (${relative})`;
}
