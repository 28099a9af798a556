// Client-side helpers: Basic auth, PKCE, a tiny cookie jar, form sign-in.
import { createHash, randomBytes } from "node:crypto";

export const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

export const form = (params) => new URLSearchParams(params).toString();

export const FORM = "application/x-www-form-urlencoded";

export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** Cookies by name, as a browser would keep them for one host. */
export class CookieJar {
  cookies = new Map();

  store(headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** A fetch that sends and keeps the jar's cookies and never follows redirects. */
export async function jarFetch(jar, url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  const cookie = jar.header();
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { ...init, headers, redirect: "manual" });
  jar.store(res.headers);
  return res;
}

export function hiddenInput(html, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return m ? m[1].replace(/&amp;/g, "&") : undefined;
}

/**
 * Signs in on Frontdesk's /login page (GET for the CSRF token, POST the form);
 * `query` carries `request` (a pending authorization) or `return_to`.
 * Resolves to the redirect location after sign-in.
 */
export async function frontdeskSignIn(jar, base, query, username, password) {
  const page = await jarFetch(jar, `${base}/login?${form(query)}`);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET /login answered ${page.status}`);
  const csrf = hiddenInput(html, "csrf");
  const res = await jarFetch(jar, `${base}/login`, {
    method: "POST",
    headers: { "content-type": FORM },
    body: form({ csrf, ...query, username, password }),
  });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`POST /login answered ${res.status}`);
  return res.headers.get("location");
}

/**
 * The authorization code flow in a new browser (cookie jar): GET /authorize (PKCE S256) ->
 * sign-in on /login -> GET /authorize/resume -> code (first-party client: no consent) ->
 * POST /token. Resolves to the jar (holding the session cookie) and the token answer.
 */
export async function codeFlow(base, client, { redirectUri, scope, user, password }) {
  const jar = new CookieJar();
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString("base64url");
  const authz = await jarFetch(
    jar,
    `${base}/authorize?${form({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`,
  );
  await authz.arrayBuffer();
  const loginUrl = new URL(authz.headers.get("location") ?? "", base);
  if (loginUrl.pathname !== "/login") throw new Error(`authorize answered ${authz.status} -> ${loginUrl}`);
  const resume = await frontdeskSignIn(
    jar,
    base,
    { request: loginUrl.searchParams.get("request") },
    user,
    password,
  );
  const back = await jarFetch(jar, new URL(resume, base));
  await back.arrayBuffer();
  const callback = new URL(back.headers.get("location") ?? "", base);
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) throw new Error(`no code: ${callback}`);
  const res = await fetch(`${base}/token`, {
    method: "POST",
    headers: { authorization: basic(client.client_id, client.client_secret), "content-type": FORM },
    body: form({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  const body = await res.json();
  if (!body.access_token) throw new Error(`token answered ${res.status}: ${JSON.stringify(body)}`);
  return { jar, body };
}
