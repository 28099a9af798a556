import { ACR } from "../../oauth/assurance.js";
import {
  enrolmentForm,
  oneTimeCodeSection,
  oneTimeCodesSection,
  recoveryCodeSection,
} from "../../pages/one-time-codes.js";
import type { AccountSection, Registry, SecondFactor } from "../contract.js";
import type { OneTimeCodes } from "./service.js";

export const ONE_TIME_CODES = "oneTimeCodes";
export const RECOVERY_CODE = "recoveryCode";

/** Texts for the second-factor page's `error` keys this feature sends. */
export const PAGE_ERRORS: Record<string, string> = {
  "otp-wrong": "That code is not right. Check the app and try again.",
  "otp-used": "That code was used already. Wait for the next one and try again.",
  "otp-setup-expired": "That set-up expired. Scan the new code below.",
  "recovery-wrong": "That recovery code is not right, or it was used already.",
};

const ACCOUNT_NOTICES: Record<string, string> = {
  "otp-enabled": "The authenticator app is on: signing in now asks for a code from it.",
  "otp-already": "An authenticator app is already set up. Turn it off first to set up another.",
  "otp-setup-expired": "That set-up expired. Start again.",
  "otp-removed": "The authenticator app is turned off.",
  "otp-not-set-up": "No authenticator app is set up.",
  "otp-last":
    "It is your only second factor: enter a valid recovery code, or sign in again with a code from the app, to turn it off.",
  "recovery-regenerated": "New recovery codes are made: the old ones no longer work.",
  "recovery-no-factor": "Recovery codes need a second factor to recover: set one up first.",
};

/** Whether the person has a second factor set up besides the authenticator app. */
export async function hasOtherFactor(registry: Pick<Registry, "secondFactors">, userId: string) {
  for (const factor of registry.secondFactors)
    if (factor.name !== ONE_TIME_CODES && (await factor.enrolled(userId))) return true;
  return false;
}

/**
 * The two second factors: a code from an authenticator app (set up on the spot during
 * a sign-in that requires a second factor the person does not have yet), and a
 * recovery code, which is never "set up" on its own: it only recovers.
 */
export function oneTimeCodeFactors(codes: OneTimeCodes): SecondFactor[] {
  return [
    {
      name: ONE_TIME_CODES,
      reaches: ACR.mfa,
      enrolled: (userId) => codes.enrolled(userId),
      render: async (input) => {
        // A code typed into a page can be phished: it never reaches phishing-resistant.
        if (input.required === ACR.phr) return undefined;
        const error = PAGE_ERRORS[input.error ?? ""];
        const pending = { request: input.pending.request, returnTo: input.pending.returnTo };
        if (await codes.enrolled(input.user.id))
          return oneTimeCodeSection({ csrf: input.csrf, ...pending, ...(error ? { error } : {}) });
        if (!input.enrolling) return undefined;
        const view = await codes.startEnrolment(input.user.id, input.user.username);
        return enrolmentForm({
          action: "/login/one-time-codes/enrol",
          hidden: {
            csrf: input.csrf,
            enrolment: view.handle,
            request: pending.request,
            return_to: pending.returnTo,
          },
          secret: view.secret,
          uri: view.uri,
          qrSvg: view.qr,
          ...(error ? { error } : {}),
        });
      },
      reset: async (userId) => {
        await codes.erase(userId);
      },
    },
    {
      name: RECOVERY_CODE,
      reaches: ACR.mfa,
      enrolled: async () => false,
      render: async (input) => {
        if (input.required === ACR.phr || input.enrolling) return undefined;
        if ((await codes.recoveryCodesLeft(input.user.id)) === 0) return undefined;
        const error = input.error === "recovery-wrong" ? PAGE_ERRORS["recovery-wrong"] : undefined;
        return recoveryCodeSection({
          csrf: input.csrf,
          request: input.pending.request,
          returnTo: input.pending.returnTo,
          ...(error ? { error } : {}),
        });
      },
      reset: async (userId) => {
        await codes.removeRecoveryCodes(userId);
      },
      redeem: async (userId, code) => (await codes.useRecoveryCode(userId, code)) === "ok",
    },
  ];
}

/** The account page's section (the registry is known once routes are registered). */
export function oneTimeCodesAccountSection(
  codes: OneTimeCodes,
  registry: () => Pick<Registry, "secondFactors">,
): AccountSection {
  return {
    name: ONE_TIME_CODES,
    render: async ({ user, session, csrf, notice }) => {
      const credential = await codes.credential(user.id);
      const text = ACCOUNT_NOTICES[notice ?? ""];
      return oneTimeCodesSection({
        csrf,
        ...(credential ? { credential } : {}),
        recoveryCodesLeft: await codes.recoveryCodesLeft(user.id),
        removalNeedsRecoveryCode:
          !session.amr.includes("otp") && !(await hasOtherFactor(registry(), user.id)),
        ...(text ? { notice: text } : {}),
      });
    },
  };
}
