import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Logger } from "pino";
import type { Ceremony } from "./ceremonies.js";
import { now } from "./deps.js";
import type { RelyingParty } from "./relying-party.js";
import type { PasskeyRecord, PasskeyRepository } from "./repositories.js";
import { parseCredential, passkeyMethods, verifiedAssertion } from "./webauthn.js";

export type CheckedAssertion =
  | { ok: true; passkey: PasskeyRecord; methods: string[]; userVerified: boolean }
  | { ok: false; reason: string };

/**
 * Checks a posted assertion for a ceremony: the credential must be stored, for this
 * rpId, and belong to the person (the one the ceremony was for, and the one its user
 * handle names); then the library verifies challenge, origin, rpId and signature, and
 * the counter must move on. Only then are its counter and last use recorded; every
 * refusal is logged at warn (credential id and person, never the assertion) and
 * changes nothing.
 */
export async function checkAssertion(
  deps: { passkeys: PasskeyRepository; rp: RelyingParty; logger: Logger },
  posted: string | undefined,
  ceremony: Ceremony,
  expectedUserId?: string,
): Promise<CheckedAssertion> {
  const refuse = (reason: string, fields: Record<string, unknown> = {}): CheckedAssertion => {
    deps.logger.warn(
      { action: "passkey.refused", ceremony: ceremony.kind, reason, ...fields },
      "passkey assertion refused",
    );
    return { ok: false, reason };
  };
  const response = parseCredential<AuthenticationResponseJSON>(posted, [
    "clientDataJSON",
    "authenticatorData",
    "signature",
  ]);
  if (!response) return refuse("malformed");
  const passkey = await deps.passkeys.get(response.id);
  if (!passkey) return refuse("unknown-credential", { credential: response.id });
  const fields = { credential: passkey.id, user: passkey.userId };
  if (passkey.rpId !== deps.rp.id) return refuse("other-rp-id", fields);
  const handle = response.response.userHandle;
  const handleUser = handle ? await deps.passkeys.userOfHandle(handle) : undefined;
  // A discoverable passkey names its person: it must be the credential's owner (never trust one without the other).
  if (handle && handleUser !== passkey.userId) return refuse("user-handle-mismatch", fields);
  if (!handle && !expectedUserId) return refuse("no-user-handle", fields);
  if (expectedUserId && passkey.userId !== expectedUserId) return refuse("not-this-person", fields);
  const outcome = await verifiedAssertion(deps.rp, response, ceremony.challenge, passkey);
  if (!outcome.ok) {
    if (outcome.reason === "counter")
      deps.logger.warn(
        { action: "passkey.counter", ...fields, stored: passkey.counter, received: outcome.counter },
        "passkey signature counter did not increase: the authenticator may have been cloned",
      );
    return refuse(outcome.reason === "counter" ? "counter-not-increased" : "not-verified", fields);
  }
  await deps.passkeys.recordUse(passkey.id, {
    counter: outcome.counter,
    backupState: outcome.backupState,
    at: now(),
  });
  return {
    ok: true,
    passkey,
    methods: passkeyMethods(passkey, outcome.userVerified),
    userVerified: outcome.userVerified,
  };
}
