import type * as OpenidClient from "openid-client";

let loaded: typeof OpenidClient | undefined;

/**
 * openid-client, loaded with the first provider's discovery or configuration instead of at
 * start-up: most servers have no upstream provider, and it is a large module graph.
 */
export async function openidClient(): Promise<typeof OpenidClient> {
  loaded ??= await import("openid-client");
  return loaded;
}

/** The module if it was loaded (an error can be one of its classes only after that). */
export function openidClientIfLoaded(): typeof OpenidClient | undefined {
  return loaded;
}
