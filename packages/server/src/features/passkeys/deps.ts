import type { FastifyReply } from "fastify";
import type { Session } from "../../sessions/sessions.js";
import type { CoreServices, Registry } from "../contract.js";
import type { Ceremonies } from "./ceremonies.js";
import type { RelyingParty } from "./relying-party.js";
import type { PasskeyRepository } from "./repositories.js";

/** What the passkey routes use. */
export type PasskeyRouteDeps = Pick<
  CoreServices,
  "durable" | "sessions" | "cookies" | "csrf" | "logger" | "interactions"
> & {
  passkeys: PasskeyRepository;
  ceremonies: Ceremonies;
  rp: RelyingParty;
};

/** The name of this feature's second factor (the methods it adds: `hwk`/`swk`). */
export const PASSKEY_FACTOR = "passkeys";

/** How recent a sign-in must be to add or remove a passkey from the account page. */
export const FRESH_SIGN_IN = 5 * 60;

export const now = () => Math.floor(Date.now() / 1000);

export const isFresh = (session: Session | undefined): session is Session =>
  session !== undefined && now() - session.authTime < FRESH_SIGN_IN;

/** Whether the person has a second factor other than passkeys (recovery codes do not count). */
export async function hasOtherFactor(
  registry: Pick<Registry, "secondFactors">,
  userId: string,
): Promise<boolean> {
  for (const factor of registry.secondFactors)
    if (factor.name !== PASSKEY_FACTOR && (await factor.enrolled(userId))) return true;
  return false;
}

/** Whether the person has any second factor. */
export async function hasAnyFactor(registry: Registry, userId: string): Promise<boolean> {
  for (const factor of registry.secondFactors) if (await factor.enrolled(userId)) return true;
  return false;
}

export const jsonNoStore = (reply: FastifyReply, body: unknown) =>
  reply.header("cache-control", "no-store").header("pragma", "no-cache").send(body);
