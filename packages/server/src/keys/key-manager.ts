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

/** Every algorithm the server keeps a key set for: ID tokens use the client's choice (RS256 by default). */
export const SIGNING_ALGS: readonly SigningAlg[] = ["RS256", "ES256", "EdDSA"];

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
  /** The default algorithm (access tokens); it also has a key set. */
  alg: SigningAlg;
  /** Algorithms with a key set of their own, each rotating through next -> active -> retired. */
  algs?: readonly SigningAlg[];
  /** How long a retired key stays published: the longest lifetime of anything it signed. */
  retiredKeyLifetime: number;
  /** Re-read interval in seconds; bounds how soon other processes' rotations are seen. */
  refreshInterval: number;
  now?: () => number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export type Rotation = {
  activated: string;
  retired: string | undefined;
  next: string;
};

/**
 * Signing keys through their states: next (published, unused) -> active (signs)
 * -> retired (published until its last token expired) -> removed. One such set per
 * algorithm; the JWKS publishes them all.
 */
export class KeyManager {
  private active = new Map<SigningAlg, ActiveKey>();
  private jwks: { keys: JWK[] } = { keys: [] };
  private loadedAt = 0;
  private loading?: Promise<void>;
  private readonly now: () => number;

  readonly algs: readonly SigningAlg[];

  constructor(private readonly options: KeyManagerOptions) {
    this.now = options.now ?? nowSeconds;
    this.algs = [...new Set([options.alg, ...(options.algs ?? [])])];
  }

  /** Makes sure an active and a next key exist (first start), then loads them. */
  async initialize(): Promise<void> {
    for (const alg of this.algs)
      for (const state of ["active", "next"] as const) {
        const has = (keys: SigningKeyRecord[]) => keys.some((k) => k.alg === alg && k.state === state);
        if (has(await this.options.repo.list())) continue;
        try {
          await this.options.repo.insert(await this.generate(alg, state));
        } catch (error) {
          // Another process created it at the same moment (unique index on alg and state): use theirs.
          if (!has(await this.options.repo.list())) throw error;
        }
      }
    await this.reload();
  }

  /** The key to sign with now, for an algorithm (the default one unless said). */
  async signingKey(alg: SigningAlg = this.options.alg): Promise<ActiveKey> {
    const cached = this.active.get(alg);
    if (cached && !this.stale()) return cached;
    await this.refreshIfStale();
    const active = this.active.get(alg);
    if (!active) throw new Error(`no active ${alg} signing key`);
    return active;
  }

  /** Public keys of next, active and retired keys, of every algorithm. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    if (this.active.size && !this.stale()) return this.jwks;
    await this.refreshIfStale();
    return this.jwks;
  }

  /**
   * Rotates: next -> active, active -> retired, and a new next key. Tokens signed
   * before keep verifying (the retired key stays published); verifiers already
   * cached the new active key while it was next.
   */
  async rotate(): Promise<Rotation & { rotated: (Rotation & { alg: SigningAlg })[] }> {
    const rotated: (Rotation & { alg: SigningAlg })[] = [];
    for (const alg of this.algs) rotated.push({ alg, ...(await this.rotateAlg(alg)) });
    const primary = rotated[0] as Rotation & { alg: SigningAlg };
    return { activated: primary.activated, retired: primary.retired, next: primary.next, rotated };
  }

  /** Rotates one algorithm's key set. */
  async rotateAlg(alg: SigningAlg): Promise<Rotation> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const keys = (await this.options.repo.list()).filter((k) => k.alg === alg);
      const next = keys.find((k) => k.state === "next");
      const active = keys.find((k) => k.state === "active");
      if (!next) {
        await this.options.repo.insert(await this.generate(alg, "next"));
        continue;
      }
      const fresh = await this.generate(alg, "next");
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
    const active = new Map<SigningAlg, ActiveKey>();
    for (const record of keys) {
      if (record.state === "retired" && (record.retiredAt ?? 0) + this.options.retiredKeyLifetime < t) {
        await this.options.repo.remove(record.kid);
        continue;
      }
      published.push(JSON.parse(record.publicJwk) as JWK);
      if (record.state === "active") {
        const alg = record.alg as SigningAlg;
        const known = this.active.get(alg);
        if (known?.kid === record.kid) active.set(alg, known);
        else {
          const jwk = await this.options.encryption.open(record.kid, record.privateJwe);
          active.set(alg, {
            kid: record.kid,
            alg,
            key: (await importJWK(jwk as JWK, record.alg)) as CryptoKey,
          });
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
    if (!this.stale() && this.active.size) return;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  private async generate(alg: SigningAlg, state: "next" | "active"): Promise<SigningKeyRecord> {
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
