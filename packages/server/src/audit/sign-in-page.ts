import { parseSetCookie, type SetCookie } from "cookie";
import { authorizationUrl, baseRequest } from "./authorization-request.js";
import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";
import type { Metadata } from "./metadata.js";
import { hasNoStore, type ProbeAnswer, type Prober } from "./probe.js";

const HTTP_ONLY: CheckSpec = {
  id: "signin.cookie-httponly",
  title: "Cookies are HttpOnly",
  reference: "RFC 6265bis §4.1.2.6",
};
const SECURE: CheckSpec = {
  id: "signin.cookie-secure",
  title: "Cookies are Secure",
  reference: "RFC 6265bis §4.1.2.5",
};
const SAME_SITE: CheckSpec = {
  id: "signin.cookie-samesite",
  title: "Cookies are SameSite=Lax or Strict",
  reference: "RFC 6265bis §4.1.2.7",
};
const HOST_PREFIX: CheckSpec = {
  id: "signin.cookie-host-prefix",
  title: "Cookies use the `__Host-` prefix",
  reference: "RFC 6265bis §4.1.3.2",
};
const FRAMING: CheckSpec = {
  id: "signin.framing",
  title: "The sign-in page cannot be framed (clickjacking)",
  reference: "RFC 9700 §4.16",
};
const CACHING: CheckSpec = {
  id: "signin.caching",
  title: "The sign-in page is not stored by caches",
  reference: "RFC 9111 §5.2.2.5",
};
const CSP: CheckSpec = {
  id: "signin.csp",
  title: "The sign-in page has a Content-Security-Policy",
  reference: "RFC 9700 §4.16",
};
const COOKIE_CHECKS = [HTTP_ONLY, SECURE, SAME_SITE, HOST_PREFIX];
export const SIGN_IN_CHECKS = [...COOKIE_CHECKS, FRAMING, CACHING, CSP];

const MAX_HOPS = 6;

export interface SignInTarget {
  metadata: Metadata;
  clientId?: string;
  redirectUri?: string;
}

interface SignInPage {
  page?: ProbeAnswer;
  cookies: SetCookie[];
  /** Why no page was found. */
  problem?: string;
}

/** Sends back the cookies a browser would (host-only, by path), so multi-step sign-ins work. */
function cookieHeader(cookies: SetCookie[], url: string): string {
  const path = new URL(url).pathname;
  const live = new Map<string, string>();
  for (const c of cookies) if (path.startsWith(c.path ?? "/") && c.value) live.set(c.name, c.value);
  return [...live].map(([name, value]) => `${name}=${value}`).join("; ");
}

/** Follows a valid authorization request, as a browser would, to the first HTML page the server shows. */
async function findSignInPage(prober: Prober, endpoint: string, target: SignInTarget): Promise<SignInPage> {
  let { url } = authorizationUrl(
    endpoint,
    baseRequest(target.metadata, target.clientId as string, target.redirectUri),
  );
  const cookies: SetCookie[] = [];
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const cookie = cookieHeader(cookies, url);
    const answer = await prober.get(url, cookie ? { cookie } : {});
    cookies.push(...answer.headers.getSetCookie().map((header) => parseSetCookie(header)));
    const location = answer.headers.get("location");
    if (answer.status >= 300 && answer.status < 400 && location) {
      url = new URL(location, url).href;
      if (target.redirectUri && url.startsWith(target.redirectUri))
        return { cookies, problem: "the server answered at the redirect URI without showing a page" };
      if (!prober.isAllowed(url))
        return {
          cookies,
          problem: `the sign-in page is at ${new URL(url).origin}, not a server being audited`,
        };
      continue;
    }
    if (answer.status === 200 && (answer.headers.get("content-type") ?? "").includes("text/html"))
      return { page: answer, cookies };
    return { cookies, problem: `the authorization request answered HTTP ${answer.status}, not a page` };
  }
  return { cookies, problem: `more than ${MAX_HOPS} redirects` };
}

/** The cookies a browser keeps: the last one set under each name, less those being cleared. */
function keptCookies(cookies: SetCookie[], now: number): SetCookie[] {
  const byName = new Map(cookies.map((c) => [c.name, c]));
  return [...byName.values()].filter(
    (c) => c.value !== "" && c.maxAge !== 0 && !(c.expires && c.expires.getTime() <= now),
  );
}

function names(cookies: SetCookie[]): string {
  return cookies.map((c) => c.name).join(", ");
}

function cookieChecks(cookies: SetCookie[], https: boolean): Check[] {
  if (cookies.length === 0)
    return skipAll(COOKIE_CHECKS, "no cookies were set on the way to the sign-in page");
  const notHttpOnly = cookies.filter((c) => !c.httpOnly);
  const checks = [
    notHttpOnly.length > 0
      ? warn(
          HTTP_ONLY,
          `${names(notHttpOnly)} can be read by scripts on the page (a cross-site script steals them)`,
        )
      : pass(HTTP_ONLY, `all HttpOnly: ${names(cookies)}`),
  ];
  if (!https) {
    const why = "the page is served over http, where no cookie can be Secure; audit the https deployment";
    checks.push(skip(SECURE, why));
  } else {
    const insecure = cookies.filter((c) => !c.secure);
    checks.push(
      insecure.length > 0
        ? fail(SECURE, `${names(insecure)} would also travel over plain http`)
        : pass(SECURE, `all Secure: ${names(cookies)}`),
    );
  }
  const none = cookies.filter((c) => c.sameSite === "none");
  const unset = cookies.filter((c) => c.sameSite === undefined);
  if (none.length > 0 || unset.length > 0) {
    const parts = [
      none.length > 0 ? `SameSite=None: ${names(none)} (sent on cross-site requests)` : "",
      unset.length > 0 ? `no SameSite: ${names(unset)} (left to each browser's default)` : "",
    ].filter(Boolean);
    checks.push(warn(SAME_SITE, parts.join("; ")));
  } else {
    checks.push(pass(SAME_SITE, cookies.map((c) => `${c.name}: ${String(c.sameSite)}`).join(", ")));
  }
  if (!https) {
    checks.push(skip(HOST_PREFIX, "__Host- cookies need https; audit the https deployment"));
  } else {
    const unprefixed = cookies.filter((c) => !c.name.startsWith("__Host-"));
    checks.push(
      unprefixed.length > 0
        ? warn(
            HOST_PREFIX,
            `${names(unprefixed)} can be overwritten from a sibling subdomain (cookie tossing)`,
          )
        : pass(HOST_PREFIX, `all __Host-: ${names(cookies)}`),
    );
  }
  return checks;
}

function headerChecks(page: ProbeAnswer): Check[] {
  const csp = page.headers.get("content-security-policy");
  const frameAncestors = csp && /(^|;)\s*frame-ancestors\s+([^;]*)/i.exec(csp)?.[2]?.trim();
  const xfo = page.headers.get("x-frame-options")?.toUpperCase();
  const framing =
    frameAncestors && !frameAncestors.split(/\s+/).includes("*")
      ? pass(
          FRAMING,
          `Content-Security-Policy frame-ancestors ${frameAncestors}${xfo ? `; X-Frame-Options ${xfo}` : ""}`,
        )
      : xfo === "DENY" || xfo === "SAMEORIGIN"
        ? pass(FRAMING, `X-Frame-Options ${xfo}`)
        : fail(
            FRAMING,
            "neither X-Frame-Options nor CSP frame-ancestors: another site can frame the sign-in page",
          );
  const cacheControl = page.headers.get("cache-control") ?? "";
  const caching = hasNoStore(cacheControl)
    ? pass(CACHING, `Cache-Control: ${cacheControl}`)
    : warn(CACHING, cacheControl ? `Cache-Control: ${cacheControl} (no no-store)` : "no Cache-Control");
  const cspCheck = csp ? pass(CSP, csp) : warn(CSP, "no Content-Security-Policy header");
  return [framing, caching, cspCheck];
}

/**
 * The page a person signs in on: the cookies set on the way there and the headers
 * that protect it. Reached by following a valid authorization request; nothing is
 * submitted on it.
 */
export async function auditSignInPage(prober: Prober, target: SignInTarget): Promise<Check[]> {
  const endpoint = target.metadata.authorization_endpoint;
  if (typeof endpoint !== "string")
    return skipAll(SIGN_IN_CHECKS, "the metadata names no authorization_endpoint");
  if (!target.clientId || !target.redirectUri)
    return skipAll(SIGN_IN_CHECKS, "needs --client-id and --redirect-uri to reach the sign-in page");
  const found = await findSignInPage(prober, endpoint, target);
  if (!found.page) return skipAll(SIGN_IN_CHECKS, `no sign-in page: ${found.problem}`);
  const https = new URL(found.page.url).protocol === "https:";
  return [...cookieChecks(keptCookies(found.cookies, Date.now()), https), ...headerChecks(found.page)];
}
