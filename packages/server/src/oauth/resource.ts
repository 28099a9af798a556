import { InvalidTarget } from "../errors/oauth-errors.js";

/**
 * The audience for an access token: the RFC 8707 `resource` parameter if given
 * (an absolute URI without fragment that the server is configured to serve), or
 * the configured default.
 */
export function resolveAudience(resource: string | undefined, allowed: readonly string[]): string {
  if (resource === undefined) return allowed[0] as string;
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new InvalidTarget("resource must be an absolute URI");
  }
  if (url.hash) throw new InvalidTarget("resource must not contain a fragment");
  if (!allowed.includes(resource))
    throw new InvalidTarget(`resource "${resource}" is not served by this server`);
  return resource;
}
