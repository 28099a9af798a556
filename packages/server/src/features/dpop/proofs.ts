import {
  DPOP_ALGORITHMS,
  DpopProofError,
  type VerifiedDpopProof,
  verifyDpopProof,
} from "@frontdesk/guard/dpop";
import type { FastifyReply } from "fastify";
import type { Logger } from "pino";
import {
  InvalidDpopProof,
  InvalidDpopProofAtResource,
  UseDpopNonce,
  UseDpopNonceAtResource,
} from "../../errors/oauth-errors.js";
import type { FastStore } from "../../storage/fast/types.js";
import type { DpopNonces } from "./nonces.js";

/** Fast-store namespace of the proofs already used, keyed `<jkt>:<jti>`. */
const USED_PROOF_NS = "dpop";

/** Where a proof is checked: this server's token and push endpoints answer 400, its resources 401. */
export type ProofPlace = "authorization-server" | "resource";

/** What one request's proof must match. */
export interface ProofExpectation {
  method: string;
  /** The endpoint's URL, from the configured issuer (never from Host or forwarded headers). */
  url: string;
  /** At a resource: the access token (`ath`) and the key it is bound to. */
  accessToken?: string;
  jkt?: string;
}

export interface DpopProofOptions {
  maxAge: number;
  clockTolerance: number;
  /** Present when nonces are required. */
  nonces?: DpopNonces;
  now: () => number;
}

/** The URL a proof must name for a request: the configured issuer and the path, without query. */
export function endpointUrl(issuer: string, requestUrl: string): string {
  return `${issuer}${requestUrl.split("?", 1)[0]}`;
}

const REFUSALS = {
  "authorization-server": { invalid: InvalidDpopProof, nonce: UseDpopNonce },
  resource: { invalid: InvalidDpopProofAtResource, nonce: UseDpopNonceAtResource },
} as const;

/**
 * The server's side of a DPoP proof (RFC 9449 4.3, 8, 11.1): the shared check of the
 * proof itself, then the key it must be (a bound token's), the nonce when required,
 * and its `jti` used once. The replay cache is the fast store, so a proof used at one
 * instance is refused at every other; only a proof that passed every check is
 * recorded, so a forged or refused proof cannot burn a `jti`.
 */
export class DpopProofs {
  constructor(
    private readonly fast: FastStore,
    private readonly logger: Logger,
    private readonly options: DpopProofOptions,
  ) {}

  readonly algorithms: readonly string[] = DPOP_ALGORITHMS;

  async check(
    header: string | string[] | undefined,
    expected: ProofExpectation,
    place: ProofPlace,
  ): Promise<VerifiedDpopProof> {
    const refuse = REFUSALS[place];
    // Node joins a repeated header with ", ", which no compact JWS contains.
    if (Array.isArray(header) || header?.includes(","))
      throw new refuse.invalid("send exactly one DPoP header");
    const proof = await this.verified(header, expected, refuse.invalid);
    if (expected.jkt !== undefined && proof.jkt !== expected.jkt)
      throw new refuse.invalid("the DPoP proof is signed by another key than the access token is bound to");
    const { nonces } = this.options;
    if (nonces && !nonces.accepts(proof.nonce)) throw new refuse.nonce(nonces.current());
    if (!(await this.fast.setIfAbsent(USED_PROOF_NS, `${proof.jkt}:${proof.jti}`, "1", this.keepFor(proof))))
      throw new refuse.invalid("the DPoP proof was already used: sign a new one for each request");
    return proof;
  }

  /** Adds a fresh `DPoP-Nonce` to a reply when nonces are required. */
  sendNonce(reply: FastifyReply): void {
    if (this.options.nonces) reply.header("dpop-nonce", this.options.nonces.current());
  }

  private async verified(
    proof: string | undefined,
    expected: ProofExpectation,
    Refusal: typeof InvalidDpopProof,
  ): Promise<VerifiedDpopProof> {
    try {
      return await verifyDpopProof(proof, {
        method: expected.method,
        url: expected.url,
        algorithms: this.algorithms,
        maxAgeSeconds: this.options.maxAge,
        clockToleranceSeconds: this.options.clockTolerance,
        now: this.options.now,
        ...(expected.accessToken === undefined ? {} : { accessToken: expected.accessToken }),
      });
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      this.logger.debug({ reason: error.reason }, "DPoP proof refused");
      throw new Refusal(error.message);
    }
  }

  /** Seconds a used proof is remembered: as long as its `iat` keeps it acceptable anywhere. */
  private keepFor(proof: VerifiedDpopProof): number {
    const { maxAge, clockTolerance, now } = this.options;
    return Math.max(1, proof.iat + maxAge + clockTolerance - now());
  }
}
