import { randomBytes } from "node:crypto";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import type { SigningKeyRecord, SigningKeyRepository } from "../storage/durable/types.js";
import type { KeyEncryption } from "./key-encryption.js";

export type SigningAlg = "ES256" | "EdDSA" | "RS256";

export interface ActiveKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

/** The public view of a signing key for the CLI and the admin API (snake_case, never key material). */
export function describeKey(
  k: Pick<SigningKeyRecord, "kid" | "alg" | "state" | "createdAt" | "activatedAt" | "retiredAt">,
) {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    created_at: k.createdAt,
    activated_at: k.activatedAt,
    retired_at: k.retiredAt,
  };
}

export interface KeyManagerOptions {
  repo: SigningKeyRepository;
  encryption: KeyEncryption;
  alg: SigningAlg;
  /** How long a retired key stays published: the longest lifetime of anything it signed. */
  retiredKeyLifetime: number;
  /** Re-read interval in seconds; bounds how soon other processes' rotations are seen. */
  refreshInterval: number;
  now?: () => number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Signing keys through their states: next (published, unused) -> active (signs)
 * -> retired (published until its last token expired) -> removed.
 */
export class KeyManager {
  private active?: ActiveKey;
  private jwks: { keys: JWK[] } = { keys: [] };
  private loadedAt = 0;
  private loading?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: KeyManagerOptions) {
    this.now = options.now ?? nowSeconds;
  }

  /** Makes sure an active and a next key exist (first start), then loads them. */
  async initialize(): Promise<void> {
    for (const state of ["active", "next"] as const) {
      const keys = await this.options.repo.list();
      if (keys.some((k) => k.state === state)) continue;
      try {
        await this.options.repo.insert(await this.generate(state));
      } catch (error) {
        // Another process created it at the same moment (unique index on state): use theirs.
        if (!(await this.options.repo.list()).some((k) => k.state === state)) throw error;
      }
    }
    await this.reload();
  }

  /** The key to sign with now. */
  async signingKey(): Promise<ActiveKey> {
    if (this.active && !this.stale()) return this.active;
    await this.refreshIfStale();
    if (!this.active) throw new Error("no active signing key");
    return this.active;
  }

  /** Public keys of next, active and retired keys. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    if (this.active && !this.stale()) return this.jwks;
    await this.refreshIfStale();
    return this.jwks;
  }

  /**
   * Rotates: next -> active, active -> retired, and a new next key. Tokens signed
   * before keep verifying (the retired key stays published); verifiers already
   * cached the new active key while it was next.
   */
  async rotate(): Promise<{ activated: string; retired: string | undefined; next: string }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const keys = await this.options.repo.list();
      const next = keys.find((k) => k.state === "next");
      const active = keys.find((k) => k.state === "active");
      if (!next) {
        await this.options.repo.insert(await this.generate("next"));
        continue;
      }
      const fresh = await this.generate("next");
      const t = this.now();
      const changes = [
        ...(active ? [{ kid: active.kid, from: "active" as const, to: "retired" as const, at: t }] : []),
        { kid: next.kid, from: "next" as const, to: "active" as const, at: t },
      ];
      if (await this.options.repo.transition(changes, fresh)) {
        await this.reload();
        return { activated: next.kid, retired: active?.kid, next: fresh.kid };
      }
    }
    throw new Error("could not rotate keys: concurrent rotations kept winning");
  }

  async list(): Promise<Omit<SigningKeyRecord, "privateJwe" | "publicJwk">[]> {
    return (await this.options.repo.list()).map(({ privateJwe: _p, publicJwk: _j, ...rest }) => rest);
  }

  /** Re-reads the key set; removes retired keys whose tokens have all expired. */
  async reload(): Promise<void> {
    const keys = await this.options.repo.list();
    const t = this.now();
    const published: JWK[] = [];
    let active: ActiveKey | undefined;
    for (const record of keys) {
      if (record.state === "retired" && (record.retiredAt ?? 0) + this.options.retiredKeyLifetime < t) {
        await this.options.repo.remove(record.kid);
        continue;
      }
      published.push(JSON.parse(record.publicJwk) as JWK);
      if (record.state === "active") {
        if (this.active?.kid === record.kid) active = this.active;
        else {
          const jwk = await this.options.encryption.open(record.kid, record.privateJwe);
          active = {
            kid: record.kid,
            alg: record.alg as SigningAlg,
            key: (await importJWK(jwk as JWK, record.alg)) as CryptoKey,
          };
        }
      }
    }
    this.active = active;
    // Same kids, same keys (a kid never changes its key): keep the object, so callers
    // caching by identity (verification key sets) keep their cache across re-reads.
    const unchanged =
      published.length === this.jwks.keys.length &&
      published.every((k, i) => k.kid === this.jwks.keys[i]?.kid);
    if (!unchanged) this.jwks = { keys: published };
    this.loadedAt = Date.now();
  }

  private stale(): boolean {
    return Date.now() - this.loadedAt >= this.options.refreshInterval * 1000;
  }

  private async refreshIfStale(): Promise<void> {
    if (!this.stale() && this.active) return;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  private async generate(state: "next" | "active"): Promise<SigningKeyRecord> {
    const alg = this.options.alg;
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === "RS256" ? { modulusLength: 2048 } : {}),
      ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const thumbprint = await calculateJwkThumbprint(publicJwk);
    const kid = `${thumbprint.slice(0, 16)}${randomBytes(4).toString("hex")}`;
    const t = this.now();
    return {
      kid,
      alg,
      state,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: "sig" }),
      privateJwe: await this.options.encryption.seal(kid, await exportJWK(privateKey)),
      createdAt: t,
      activatedAt: state === "active" ? t : null,
      retiredAt: null,
    };
  }
}
