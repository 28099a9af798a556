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

/**
 * RFC 8707 2 and RFC 8693 2.1 let a request name several targets (`resource`,
 * `audience`); this server's tokens are for one, so several are `invalid_target`.
 */
export function refuseSeveralTargets(form: Record<string, string[]> | undefined): void {
  for (const name of ["resource", "audience"])
    if ((form?.[name]?.length ?? 0) > 1)
      throw new InvalidTarget(`one ${name} per request: tokens are issued for a single target`);
}
