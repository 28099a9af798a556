const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "53300", // too_many_connections
]);

/** Marks an error raised because a store could not be reached. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: string,
    cause?: unknown,
  ) {
    super(`${store} unavailable`, { cause });
    this.name = "StoreUnavailableError";
  }
}

/** Whether an error means a backing store is unreachable (so the answer is 503, not 500). */
export function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|Client has encountered a connection error|SQLITE_BUSY/i.test(
    error.message,
  );
}
