import { GuardError, type Verifier } from "../../../guard/src/index.js";

/** Polls `verify` until it rejects; resolves the milliseconds it took. */
export async function msUntilRefused(verifier: Verifier, token: string, limitMs = 3000): Promise<number> {
  const start = performance.now();
  for (;;) {
    try {
      await verifier.verify(token);
    } catch (error) {
      if (error instanceof GuardError && error.code === "invalid_token") return performance.now() - start;
      throw error;
    }
    if (performance.now() - start > limitMs) return Number.POSITIVE_INFINITY;
    await new Promise((r) => setTimeout(r, 20));
  }
}
