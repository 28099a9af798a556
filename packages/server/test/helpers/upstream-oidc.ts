import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { FormBrowser } from "./browser.js";

/** A person at the upstream provider: the claims it releases. */
export interface UpstreamAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  /** GitHub-like fields, for the plain OAuth 2.0 path's claim mapping. */
  id?: number;
  login?: string;
}

/** What the test may do to a token response on its way out (the provider itself stays node-oidc-provider). */
export type TokenTamper = (body: Record<string, unknown>) => Record<string, unknown>;

export interface UpstreamOidc {
  issuer: string;
  accounts: Map<string, UpstreamAccount>;
  /** Registers a confidential client with these redirect URIs; returns its credentials. */
  client(redirectUris: string[]): { clientId: string; clientSecret: string };
  /** Token responses pass through this, when set. */
  tamper?: TokenTamper;
  /** Milliseconds the token endpoint waits before answering, when set. */
  tokenDelay?: number;
  /** Token responses seen (after any tampering), newest last. */
  tokenResponses: Record<string, unknown>[];
  close(): Promise<void>;
}

let clientCounter = 0;

export type ClientEntry = { client_id: string; client_secret: string; redirect_uris: string[] };

/** node-oidc-provider's storage in memory; clients come from the test's list. */
export function memoryAdapter(clients: ClientEntry[]) {
  const store = new Map<string, { payload: Record<string, unknown>; expires: number }>();
  return class MemoryAdapter {
    constructor(readonly model: string) {}
    key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
      store.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
    }
    async find(id: string) {
      if (this.model === "Client") {
        const c = clients.find((entry) => entry.client_id === id);
        return (
          c && {
            ...c,
            grant_types: ["authorization_code"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic",
          }
        );
      }
      const found = store.get(this.key(id));
      return found && found.expires > Date.now() ? found.payload : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid(uid: string) {
      for (const { payload, expires } of store.values())
        if (payload.uid === uid && expires > Date.now()) return payload;
      return undefined;
    }
    async consume(id: string) {
      const found = store.get(this.key(id));
      if (found) found.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, { payload }] of store) if (payload.grantId === grantId) store.delete(k);
    }
  };
}

/**
 * node-oidc-provider on 127.0.0.1, as an upstream OpenID provider: dev interactions
 * (any login, any password; the login is the account id), PKCE required, claims from
 * `accounts`. Plain-OAuth tests use the same provider's /me as their user-info endpoint.
 */
export async function startUpstreamOidc(): Promise<UpstreamOidc> {
  const accounts = new Map<string, UpstreamAccount>();
  const clients: ClientEntry[] = [];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(clients),
    findAccount: async (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      return account && { accountId: id, claims: async () => ({ ...account }) };
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username", "login", "id"],
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ["upstream-test-cookie-key-0123456789"] },
  } as never);
  const handler = provider.callback();
  const upstream: UpstreamOidc = {
    issuer,
    accounts,
    tokenResponses: [],
    client(redirectUris) {
      const entry = {
        client_id: `frontdesk-${++clientCounter}`,
        client_secret: `secret-${clientCounter}-0123456789abcdef`,
        redirect_uris: redirectUris,
      };
      clients.push(entry);
      return { clientId: entry.client_id, clientSecret: entry.client_secret };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith("/token")) return handler(req, res);
    const delay = upstream.tokenDelay;
    const run = () => {
      const end = res.end.bind(res);
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        let body = chunk;
        if (typeof chunk === "string" || Buffer.isBuffer(chunk)) {
          try {
            let json = JSON.parse(String(chunk)) as Record<string, unknown>;
            if (upstream.tamper && json.access_token) json = upstream.tamper(json);
            upstream.tokenResponses.push(json);
            body = JSON.stringify(json);
            res.setHeader("content-length", Buffer.byteLength(String(body)));
          } catch {
            // not JSON: passed on as it is
          }
        }
        return (end as (...a: unknown[]) => ServerResponse)(body, ...rest);
      }) as ServerResponse["end"];
      handler(req, res);
    };
    if (delay) setTimeout(run, delay);
    else run();
  });
  return upstream;
}

function formsIn(page: string) {
  return [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => {
    const attrs = m[1] ?? "";
    const action = /action="([^"]*)"/.exec(attrs)?.[1] ?? "";
    const hidden = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)].map((i) => [
        i[1],
        i[2],
      ]),
    );
    return { action, hidden };
  });
}

/**
 * A browser on two origins: Frontdesk's and the provider's (each keeps its cookies).
 * `walkUpstream` signs in at the provider's dev pages as `login` and follows the
 * redirect back to Frontdesk's callback.
 */
export async function walkUpstream(
  upstreamBrowser: FormBrowser,
  authorizationUrl: string,
  login: string,
  decision: "allow" | "cancel" = "allow",
): Promise<string> {
  const answer = await walkUpstreamAnswer(upstreamBrowser, authorizationUrl, login, decision);
  if (typeof answer !== "string")
    throw new Error(`the provider answered with a form post to ${answer.action}`);
  return answer;
}

/** Like walkUpstream, but a `response_mode=form_post` answer comes back as the form to post. */
export async function walkUpstreamAnswer(
  upstreamBrowser: FormBrowser,
  authorizationUrl: string,
  login: string,
  decision: "allow" | "cancel" = "allow",
): Promise<string | { action: string; fields: Record<string, string> }> {
  let { response, url } = await upstreamBrowser.follow(authorizationUrl);
  for (let step = 0; step < 6; step++) {
    if (new URL(url).origin !== new URL(upstreamBrowser.origin).origin) return url;
    const page = await response.text();
    const posted = formsIn(page).find(
      (f) => f.action.startsWith("http") && new URL(f.action).origin !== new URL(url).origin,
    );
    if (posted) return { action: posted.action, fields: posted.hidden as Record<string, string> };
    if (decision === "cancel") {
      const abort = /href="([^"]*\/abort)"/.exec(page)?.[1];
      if (!abort) throw new Error(`no cancel link on ${url}`);
      ({ response, url } = await upstreamBrowser.follow(new URL(abort, url).href));
      continue;
    }
    const form = formsIn(page)[0];
    if (!form) throw new Error(`no form at the provider (${response.status} ${url}): ${page.slice(0, 300)}`);
    const fields = new URLSearchParams({ ...form.hidden });
    if (form.hidden.prompt === "login") {
      fields.set("login", login);
      fields.set("password", "any password");
    }
    ({ response, url } = await upstreamBrowser.follow(new URL(form.action, url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fields.toString(),
    }));
  }
  throw new Error("the provider's sign-in did not finish");
}

export { FormBrowser };
