import type { InteractionRequest } from "../../interaction/authorization-request/types.js";
import { CONSENT, type InteractionCheck } from "../../interaction/checks.js";
import type { Interaction } from "../../interaction/interactions.js";
import type { InteractionKind } from "../../interaction/kinds.js";
import { acrOf, claimedAcr } from "../../oauth/assurance.js";
import { deviceDonePage } from "../../pages/device.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import type { DeviceCodes } from "./device-codes.js";

export const DEVICE = "device";

/** An interaction started on the verification page: which device authorization it answers. */
export interface DeviceInteractionRequest extends InteractionRequest {
  /** The device code's hash (the key of its record). */
  deviceKey: string;
}

const EXPIRED = errorPage(
  "Code expired",
  "This code is no longer valid. Start again on your device to get a new code.",
);

/**
 * RFC 8628 §5.4: the person did not start this in front of them, so consent is
 * always asked, whatever was granted before and even for a first-party client.
 * Placed before `consent_prompt`.
 */
export const deviceConsentCheck: InteractionCheck = {
  name: "device_consent",
  check: (f) =>
    f.interaction.kind === DEVICE && !f.consentJustGiven
      ? { prompt: CONSENT, reason: "device_consent" }
      : undefined,
};

/** A device interaction ends on this server: the device code is approved or denied, and a page says so. */
export function deviceKind(deviceCodes: DeviceCodes): InteractionKind {
  const keyOf = (interaction: Interaction) => (interaction.request as DeviceInteractionRequest).deviceKey;
  return {
    name: DEVICE,
    async complete(reply, interaction, session) {
      const approved = await deviceCodes.decide(keyOf(interaction), {
        status: "approved",
        userId: session.userId,
        sid: session.sid,
        authTime: session.authTime,
        amr: session.amr,
        acr: claimedAcr(session.acr ?? acrOf(session.amr), interaction.request.acrValues),
        ...(session.idp ? { idp: session.idp } : {}),
      });
      return approved ? sendPage(reply, 200, deviceDonePage(true)) : sendPage(reply, 400, EXPIRED);
    },
    async deny(reply, interaction) {
      await deviceCodes.decide(keyOf(interaction), { status: "denied" });
      return sendPage(reply, 200, deviceDonePage(false));
    },
    fail: (reply, _interaction, error) =>
      sendPage(reply, 400, errorPage("The device cannot be connected", error.description ?? error.code)),
  };
}
