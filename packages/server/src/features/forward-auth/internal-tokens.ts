import { acrOf } from "../../oauth/assurance.js";
import type { Session } from "../../sessions/sessions.js";
import { GATEWAY_CLIENT_ID } from "../../tokens/access-token.js";
import type { CoreServices } from "../contract.js";

interface Cached {
  token: string;
  exp: number;
  cachedAt: number;
}

const CACHE_SECONDS = 5;
const MAX_ENTRIES = 10_000;

/**
 * Mints the short-lived internal JWT a gateway forwards to upstream services for
 * a browser session. Minted tokens are reused for a few seconds per session, and
 * the whole cache is dropped on any revocation event, so a cached token never
 * outlives a revocation the server knows of.
 */
export class InternalTokens {
  private readonly cache = new Map<string, Cached>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: Pick<CoreServices, "config" | "durable" | "fast" | "accessTokens">) {
    this.unsubscribe = ctx.fast.onEvent(() => this.cache.clear());
  }

  async forSession(session: Session): Promise<string | undefined> {
    const now = Math.floor(Date.now() / 1000);
    const hit = this.cache.get(session.sid);
    if (hit && now - hit.cachedAt < CACHE_SECONDS && hit.exp - now > CACHE_SECONDS) return hit.token;
    const user = await this.ctx.durable.users.get(session.userId);
    if (!user || user.disabled) return undefined;
    const { config } = this.ctx;
    const { token, claims } = await this.ctx.accessTokens.issue({
      sub: user.id,
      clientId: GATEWAY_CLIENT_ID,
      audience: config.forwardAuthAudience ?? (config.resources[0] as string),
      scopes: [],
      ttl: config.forwardAuthTtl,
      revokedBefore: user.tokensRevokedBefore,
      extra: {
        sid: session.sid,
        auth_time: session.authTime,
        amr: session.amr,
        acr: session.acr ?? acrOf(session.amr),
        ...(user.tenant ? { tenant: user.tenant } : {}),
        ...(user.roles.length ? { roles: user.roles } : {}),
      },
    });
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(session.sid, { token, exp: claims.exp, cachedAt: now });
    return token;
  }

  close(): void {
    this.unsubscribe();
    this.cache.clear();
  }
}
