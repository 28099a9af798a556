import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { RelyingParty } from "./relying-party.js";
import type { PasskeyRecord } from "./repositories.js";

/** Loaded at the first ceremony: the CLI, which builds every feature, never needs it. */
const library = () => import("@simplewebauthn/server");
const base64url = async () => (await import("@simplewebauthn/server/helpers")).isoBase64URL;

/** How long the browser waits for the person (ms): the ceremony itself lives a little longer. */
const TIMEOUT = 120_000;
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
/** Far more than any real credential: a posted answer beyond this is refused unread. */
export const MAX_CREDENTIAL_JSON = 16_384;

const allowList = (passkeys: readonly PasskeyRecord[]) =>
  passkeys.map((p) => ({ id: p.id, transports: p.transports }));

/** Options for `navigator.credentials.create`: a discoverable passkey, none the person has already. */
export async function registrationOptions(
  rp: RelyingParty,
  person: { username: string; name: string | null; handle: string },
  existing: readonly PasskeyRecord[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await library();
  const isoBase64URL = await base64url();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: person.username,
    userDisplayName: person.name ?? person.username,
    userID: isoBase64URL.toBuffer(person.handle),
    timeout: TIMEOUT,
    attestationType: "none",
    excludeCredentials: allowList(existing),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
}

/** Options for `navigator.credentials.get`: any passkey of this site, or only the person's. */
export async function authenticationOptions(
  rp: RelyingParty,
  allowed?: readonly PasskeyRecord[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await library();
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: TIMEOUT,
    userVerification: "preferred",
    ...(allowed ? { allowCredentials: allowList(allowed) } : {}),
  });
}

/** The new passkey a registration answer proves, or undefined when it does not verify. */
export async function verifiedRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<
  | Pick<
      PasskeyRecord,
      "id" | "publicKey" | "counter" | "transports" | "backupEligible" | "backupState" | "aaguid"
    >
  | undefined
> {
  const { verifyRegistrationResponse } = await library();
  const isoBase64URL = await base64url();
  try {
    const { verified, registrationInfo: info } = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!verified) return undefined;
    return {
      id: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: (response.response.transports ?? []).filter((t) => TRANSPORTS.has(t)),
      backupEligible: info.credentialDeviceType === "multiDevice",
      backupState: info.credentialBackedUp,
      aaguid: info.aaguid,
    };
  } catch {
    return undefined;
  }
}

export type AssertionOutcome =
  | { ok: true; counter: number; backupState: boolean; userVerified: boolean }
  /** `counter`: the signature is good but the counter did not move on (a cloned authenticator?). */
  | { ok: false; reason: "invalid" | "counter"; counter?: number };

/**
 * Checks an assertion against a stored passkey: challenge, origin, rpId, signature,
 * then the signature counter. The library is given a zero counter so that it checks
 * the signature first; the counter is then compared here (WebAuthn §7.2 step 21):
 * when either is non-zero, the new one must be greater, else the assertion is refused
 * as from a possibly cloned authenticator.
 */
export async function verifiedAssertion(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  passkey: PasskeyRecord,
): Promise<AssertionOutcome> {
  const { verifyAuthenticationResponse } = await library();
  const isoBase64URL = await base64url();
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>["authenticationInfo"];
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: 0,
        transports: passkey.transports,
      },
      requireUserVerification: false,
    });
    if (!result.verified) return { ok: false, reason: "invalid" };
    info = result.authenticationInfo;
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter)
    return { ok: false, reason: "counter", counter: info.newCounter };
  return {
    ok: true,
    counter: info.newCounter,
    backupState: info.credentialBackedUp,
    userVerified: info.userVerified,
  };
}

/**
 * RFC 8176 methods of a passkey use: `swk` for a synced (backup-eligible) passkey,
 * `hwk` for one bound to its device, and `user` when the authenticator verified the person.
 */
export function passkeyMethods(
  passkey: Pick<PasskeyRecord, "backupEligible">,
  userVerified: boolean,
): string[] {
  return [passkey.backupEligible ? "swk" : "hwk", ...(userVerified ? ["user"] : [])];
}

/** A posted credential (the JSON of `PublicKeyCredential.toJSON()`), in its expected shape, or undefined. */
export function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(
  text: string | undefined,
  fields: readonly string[],
): T | undefined {
  if (!text || text.length > MAX_CREDENTIAL_JSON) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = value as { id?: unknown; rawId?: unknown; type?: unknown; response?: Record<string, unknown> };
  if (typeof v !== "object" || v === null || typeof v.id !== "string" || v.id.length > 1024) return undefined;
  if (typeof v.rawId !== "string" || v.type !== "public-key") return undefined;
  if (typeof v.response !== "object" || v.response === null) return undefined;
  for (const field of fields) if (typeof v.response[field] !== "string") return undefined;
  const userHandle = v.response.userHandle;
  if (userHandle !== undefined && userHandle !== null && typeof userHandle !== "string") return undefined;
  return { clientExtensionResults: {}, ...(value as object) } as T;
}
