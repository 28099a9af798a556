/** Hosts for which a redirect URI may use plain http (RFC 8252 7.3: loopback redirection). */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"] as const;

const FORBIDDEN_SCHEMES = ["javascript:", "data:", "file:", "vbscript:"];

/** `host[:port]` followed by a path or nothing: a URL someone wrote without its scheme. */
const SCHEMELESS = /^(?<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d+)?(?:[/?#]|$)/;

/** RFC 8252 7.1: a private-use scheme is a reverse domain name, so it contains a dot. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+:$/;

const isLoopback = (host: string) => (LOOPBACK_HOSTS as readonly string[]).includes(host.toLowerCase());

/**
 * Why a redirect URI (or post-logout redirect URI, named by `what`) cannot be
 * registered, as a message that says how to fix it; `undefined` when it can.
 * The rules are those of dynamic client registration: an absolute https URL (http
 * only for a loopback host), or for a native app a private-use scheme that is a
 * reverse domain name (`com.example.app:/callback`); never a fragment, never
 * javascript:, data:, file: or vbscript:.
 */
export function redirectUriProblem(uri: string, what = "redirect URI"): string | undefined {
  const quoted = `${what} "${uri}"`;
  const schemeless = SCHEMELESS.exec(uri);
  if (schemeless) {
    const host = schemeless.groups?.host ?? "";
    return `${quoted} has no scheme: write ${isLoopback(host) ? "http" : "https"}://${uri}`;
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${quoted} is not an absolute URI: write the whole URL, such as https://app.example.com/callback`;
  }
  const hash = uri.indexOf("#");
  if (hash !== -1)
    return `${quoted} must not contain a fragment: remove "${uri.slice(hash)}" (write ${uri.slice(0, hash)})`;
  if (FORBIDDEN_SCHEMES.includes(url.protocol))
    return `${quoted} uses the forbidden scheme "${url.protocol}": register an https URL, such as https://app.example.com/callback`;
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:")
    return isLoopback(url.hostname)
      ? undefined
      : `${quoted} must use https (http only for localhost, 127.0.0.1 or [::1]): write ${url.href.replace(/^http:/, "https:")}`;
  if (PRIVATE_USE_SCHEME.test(url.protocol)) return undefined;
  return (
    `${quoted} uses the scheme "${url.protocol}", which is neither http(s) nor a private-use scheme: ` +
    "use an https URL, or for a native app a reverse-domain scheme such as com.example.app:/callback"
  );
}
