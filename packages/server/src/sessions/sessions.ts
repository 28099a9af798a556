import type { FastStore } from "../storage/fast/types.js";
import { hashToken, newId, newOpaqueToken } from "../tokens/opaque.js";

export interface Session {
  /** Public session id: the `sid` claim. Not a secret. */
  sid: string;
  userId: string;
  authTime: number;
  amr: string[];
  /** Assurance level of the sign-in (OIDC `acr`), when a method claims one. */
  acr?: string;
  /** The upstream provider the person signed in through (the ID token's `idp`), when one. */
  idp?: string;
  createdAt: number;
  lastSeen: number;
  /** Absolute limit: the session ends then whatever its activity. */
  absoluteExpiresAt: number;
  userAgent: string;
  ip: string;
}

export interface SessionOptions {
  idleTtl: number;
  absoluteTtl: number;
  /** Extend idle expiry at most this often (seconds): keeps the store's write load low. */
  touchInterval?: number;
}

/** Which session ended, and whose: what a session-end listener is told. */
export interface EndedSession {
  sid: string;
  userId: string;
}

/** Runs when a session ends (sign-out, revocation, disabled or deleted user, absolute expiry). */
export type SessionEndListener = (ended: EndedSession) => Promise<void>;

const NS = "session";
const NS_USER = "user-sessions";
/** Per sid, the clients tokens were issued to in that session (back-channel logout). */
const NS_CLIENTS = "session-clients";
const now = () => Math.floor(Date.now() / 1000);

/**
 * Server-side sessions behind opaque tokens (256 bits). The store is keyed by the
 * token's SHA-256, never the token; idle expiry slides, the absolute limit does not.
 */
export class SessionService {
  private readonly touchInterval: number;
  private readonly endListeners = new Map<string, SessionEndListener>();

  constructor(
    private readonly fast: FastStore,
    private readonly options: SessionOptions,
  ) {
    this.touchInterval = options.touchInterval ?? Math.min(60, Math.max(1, Math.floor(options.idleTtl / 10)));
  }

  /**
   * Subscribes `listener` to every session end, under `name`: subscribing the same name
   * again replaces the listener (building the features twice does not double it).
   * Listeners run in subscription order, in the request that ends the session.
   */
  onEnd(name: string, listener: SessionEndListener): void {
    this.endListeners.set(name, listener);
  }

  /** Records that tokens were issued to `clientId` in session `sid` (kept for the session's lifetime). */
  async recordClient(sid: string, clientId: string): Promise<void> {
    await this.fast.addToSet(NS_CLIENTS, sid, clientId, this.options.absoluteTtl);
  }

  /** The clients tokens were issued to in session `sid` (ended or not, until it would have expired). */
  async clientsOf(sid: string): Promise<string[]> {
    return this.fast.setMembers(NS_CLIENTS, sid);
  }

  /** Starts a session (a new token every sign-in: no fixation). Returns the token for the cookie. */
  async create(
    input: Pick<Session, "userId" | "amr" | "userAgent" | "ip"> & {
      acr?: string;
      idp?: string;
      authTime?: number;
    },
  ): Promise<{ token: string; session: Session }> {
    const token = newOpaqueToken();
    const t = now();
    const session: Session = {
      sid: newId(),
      userId: input.userId,
      authTime: Math.min(input.authTime ?? t, t),
      amr: input.amr,
      ...(input.acr ? { acr: input.acr } : {}),
      ...(input.idp ? { idp: input.idp } : {}),
      createdAt: t,
      lastSeen: t,
      absoluteExpiresAt: t + this.options.absoluteTtl,
      userAgent: input.userAgent.slice(0, 256),
      ip: input.ip,
    };
    const key = hashToken(token);
    await this.fast.set(NS, key, JSON.stringify(session), this.ttl(session, t));
    await this.fast.addToSet(NS_USER, session.userId, key, this.options.absoluteTtl);
    return { token, session };
  }

  /** The live session for a cookie value, sliding its idle expiry (throttled). */
  async resolve(token: string | undefined): Promise<Session | undefined> {
    if (!token || token.length > 128) return undefined;
    const key = hashToken(token);
    const raw = await this.fast.get(NS, key);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    const t = now();
    if (t >= session.absoluteExpiresAt) {
      await this.endByKey(key, session);
      return undefined;
    }
    if (t - session.lastSeen >= this.touchInterval) {
      session.lastSeen = t;
      await this.fast.set(NS, key, JSON.stringify(session), this.ttl(session, t));
    }
    return session;
  }

  /** Ends the session of a cookie value (sign-out). */
  async end(token: string): Promise<Session | undefined> {
    const key = hashToken(token);
    const raw = await this.fast.get(NS, key);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    await this.endByKey(key, session);
    return session;
  }

  /** Live sessions of a user, most recent first, with their store keys. */
  async listForUser(userId: string): Promise<{ key: string; session: Session }[]> {
    const keys = await this.fast.setMembers(NS_USER, userId);
    const found: { key: string; session: Session }[] = [];
    for (const key of keys) {
      const raw = await this.fast.get(NS, key);
      if (raw) found.push({ key, session: JSON.parse(raw) as Session });
      else await this.fast.removeFromSet(NS_USER, userId, key);
    }
    return found.sort((a, b) => b.session.lastSeen - a.session.lastSeen);
  }

  /** Ends one of a user's sessions by its public id; false if it is not theirs or not live. */
  async endBySid(userId: string, sid: string): Promise<boolean> {
    const match = (await this.listForUser(userId)).find((s) => s.session.sid === sid);
    if (!match) return false;
    await this.endByKey(match.key, match.session);
    return true;
  }

  /** Ends every session of the user except the one with `keepSid`. Returns how many ended. */
  async endAllForUser(userId: string, keepSid?: string): Promise<number> {
    let ended = 0;
    for (const { key, session } of await this.listForUser(userId)) {
      if (session.sid === keepSid) continue;
      await this.endByKey(key, session);
      ended += 1;
    }
    return ended;
  }

  private async endByKey(key: string, session: Session): Promise<void> {
    await this.fast.delete(NS, key);
    await this.fast.removeFromSet(NS_USER, session.userId, key);
    for (const listener of this.endListeners.values())
      await listener({ sid: session.sid, userId: session.userId });
  }

  private ttl(session: Session, t: number): number {
    return Math.max(1, Math.min(this.options.idleTtl, session.absoluteExpiresAt - t));
  }
}
