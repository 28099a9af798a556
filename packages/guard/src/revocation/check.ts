import type { JWTPayload } from "jose";

/**
 * Anything the verifier can ask "is this token revoked?": a `RevocationSet`, or a feed that keeps one.
 * `close()`, when present, is called by `verifier.close()`.
 *
 * @example
 * ```ts
 * const denyAll: RevocationCheck = { isRevoked: () => true };
 * ```
 */
export interface RevocationCheck {
  isRevoked(claims: JWTPayload): boolean;
  close?(): void | Promise<void>;
}
