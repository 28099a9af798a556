import { isIP } from "node:net";
import { featureEnvName } from "../../config/env.js";
import { ConfigError } from "../../config/errors.js";

/** Who passkeys are made for: the relying-party ID the browser binds them to, and the origins they are used from. */
export interface RelyingParty {
  id: string;
  /** A name the browser may show beside the passkey. */
  name: string;
  origins: string[];
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

const underOrAt = (host: string, rpId: string) => host === rpId || host.endsWith(`.${rpId}`);

/**
 * The relying party from `features.passkeys.rpId` and `origins` (defaults: the issuer's
 * host and origin). A passkey made for one rpId never works under another, so a value
 * the browser would refuse stops the server at start-up, naming the key and the fix.
 * (Whether the rpId is a public suffix, such as `co.uk`, is left to the browser.)
 */
export function relyingParty(issuer: string, options: { rpId?: string; origins?: string[] }): RelyingParty {
  const issuerUrl = new URL(issuer);
  const host = issuerUrl.hostname.toLowerCase();
  const id = (options.rpId ?? host).toLowerCase().replace(/\.$/, "");
  const rpIdKey = `features.passkeys.rpId (env ${featureEnvName("passkeys", "rpId")})`;
  const originsKey = `features.passkeys.origins (env ${featureEnvName("passkeys", "origins")})`;
  const problems: string[] = [];
  if (!underOrAt(host, id))
    problems.push(
      `${rpIdKey} is "${id}", which is neither the issuer's host "${host}" nor a parent domain of it: browsers refuse such passkeys; set it to "${host}" or a domain it ends with, or leave it unset`,
    );
  else if (options.rpId !== undefined && (isIP(id) || !/^[a-z0-9.-]+$/.test(id)))
    problems.push(`${rpIdKey} must be a domain name, not "${id}"`);
  const origins = options.origins?.length ? options.origins : [issuerUrl.origin];
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      problems.push(`${originsKey}: "${origin}" is not a URL; give origins such as https://${id}`);
      continue;
    }
    if (url.origin !== origin.replace(/\/$/, ""))
      problems.push(
        `${originsKey}: "${origin}" must be an origin alone (scheme, host, port), such as ${url.origin}`,
      );
    else if (!underOrAt(url.hostname, id))
      problems.push(
        `${originsKey}: "${origin}" is not at the rpId "${id}" or under it: passkeys of "${id}" cannot be used there; remove it or change the rpId`,
      );
    else if (options.origins?.length && url.protocol !== "https:" && !LOCAL_HOSTS.has(url.hostname))
      problems.push(`${originsKey}: "${origin}" must use https (browsers offer passkeys only there)`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { id, name: id, origins: [...new Set(origins.map((o) => new URL(o).origin))] };
}
