import { z } from "zod";
import { defineFeature } from "../contract.js";
import { dpopJktStep } from "./authorization-step.js";
import { DpopNonces } from "./nonces.js";
import { DpopProofs } from "./proofs.js";
import { dpopAtResources } from "./resource-proof.js";
import { dpopTokenBinding } from "./token-binding.js";

const dpopOptions = z.object({
  /** `required`: every DPoP proof must carry a nonce this server provided (`use_dpop_nonce`, RFC 9449 8, 9). */
  nonce: z.enum(["off", "required"]).default("off"),
  /** Seconds of one nonce window; a nonce is accepted in its window and the next. */
  nonceWindow: z.coerce.number().int().min(10).max(3600).default(300),
  /** How old a proof's `iat` may be, in seconds. */
  proofMaxAge: z.coerce.number().int().min(5).max(300).default(60),
  /** How far ahead of this server's clock a proof's `iat` may be, in seconds. */
  clockTolerance: z.coerce.number().int().min(0).max(60).default(5),
});

/**
 * DPoP (RFC 9449): tokens bound to a key the client proves it holds, at the token
 * endpoint (access tokens with `cnf.jkt`, public clients' refresh tokens), on the code
 * (`dpop_jkt`, pushed requests), and at the server's own resources (userinfo, admin
 * API). The nonce key is derived from `keyEncryptionSecret`, which every instance shares.
 */
export const dpopFeature = defineFeature({
  name: "dpop",
  options: dpopOptions,
  build: ({ config, fast, logger }, options) => {
    const now = () => Math.floor(Date.now() / 1000);
    const nonces =
      options.nonce === "required"
        ? new DpopNonces(config.keyEncryptionSecret, options.nonceWindow, options.clockTolerance, now)
        : undefined;
    const proofs = new DpopProofs(fast, logger, {
      maxAge: options.proofMaxAge,
      clockTolerance: options.clockTolerance,
      now,
      ...(nonces ? { nonces } : {}),
    });
    return {
      tokenBinding: dpopTokenBinding(proofs, config.issuer),
      authorizationSteps: [dpopJktStep(proofs, config.issuer)],
      resourceProof: dpopAtResources(proofs, config.issuer),
      metadata: () => ({ dpop_signing_alg_values_supported: [...proofs.algorithms] }),
    };
  },
});
