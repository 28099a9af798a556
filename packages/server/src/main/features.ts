import { z } from "zod";
import type { FeatureSections } from "../config/schema.js";
import { flag } from "../config/schema.js";
import { accountFeature } from "../features/account/feature.js";
import { adminFeature } from "../features/admin/feature.js";
import { authorizationCodeFeature } from "../features/authorization-code/feature.js";
import { backchannelLogoutFeature } from "../features/backchannel-logout/feature.js";
import { clientCredentialsFeature } from "../features/client-credentials/feature.js";
import { consentFeature } from "../features/consent/feature.js";
import type { Feature } from "../features/contract.js";
import { deviceFlowFeature } from "../features/device-flow/feature.js";
import { discoveryFeature } from "../features/discovery/feature.js";
import { dpopFeature } from "../features/dpop/feature.js";
import { dynamicRegistrationFeature } from "../features/dynamic-registration/feature.js";
import { forwardAuthFeature } from "../features/forward-auth/feature.js";
import { introspectionFeature } from "../features/introspection/feature.js";
import { loginFeature } from "../features/login/feature.js";
import { logoutFeature } from "../features/logout/feature.js";
import { oneTimeCodesFeature } from "../features/one-time-codes/feature.js";
import { passkeysFeature } from "../features/passkeys/feature.js";
import { passwordResetFeature } from "../features/password-reset/feature.js";
import { privateKeyJwtFeature } from "../features/private-key-jwt/feature.js";
import { pushedAuthorizationRequestsFeature } from "../features/pushed-authorization-requests/feature.js";
import { refreshTokenFeature } from "../features/refresh-token/feature.js";
import { registrationFeature } from "../features/registration/feature.js";
import { requestObjectsFeature } from "../features/request-objects/feature.js";
import { revocationFeature } from "../features/revocation/feature.js";
import { revocationFeedFeature } from "../features/revocation-feed/feature.js";
import { secondFactorFeature } from "../features/second-factor/feature.js";
import { tokenFeature } from "../features/token/feature.js";
import { tokenExchangeFeature } from "../features/token-exchange/feature.js";
import { upstreamFeature } from "../features/upstream/feature.js";
import { userinfoFeature } from "../features/userinfo/feature.js";

/**
 * Every feature the server has, in the order their parts are registered (discovery
 * metadata merges in this order; grant types are listed in it).
 */
export const FEATURES: readonly Feature[] = [
  discoveryFeature,
  tokenFeature,
  authorizationCodeFeature,
  pushedAuthorizationRequestsFeature,
  requestObjectsFeature,
  refreshTokenFeature,
  clientCredentialsFeature,
  deviceFlowFeature,
  tokenExchangeFeature,
  introspectionFeature,
  revocationFeature,
  privateKeyJwtFeature,
  dpopFeature,
  userinfoFeature,
  logoutFeature,
  backchannelLogoutFeature,
  loginFeature,
  passwordResetFeature,
  registrationFeature,
  upstreamFeature,
  passkeysFeature,
  oneTimeCodesFeature,
  secondFactorFeature,
  consentFeature,
  forwardAuthFeature,
  revocationFeedFeature,
  accountFeature,
  adminFeature,
  dynamicRegistrationFeature,
] as Feature[];

/** The `features.<name>` configuration sections: each feature's options plus `enabled`. */
export function featureSections(features: readonly Feature[] = FEATURES): FeatureSections {
  const sections: FeatureSections = {};
  for (const feature of features) {
    if (sections[feature.name]) throw new Error(`feature ${feature.name} is listed twice`);
    const own = feature.options ?? z.object({});
    sections[feature.name] = feature.required
      ? own
      : own.extend({ enabled: flag.default(feature.enabledByDefault ?? true) });
  }
  return sections;
}
