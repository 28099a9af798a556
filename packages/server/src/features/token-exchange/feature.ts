import { TOKEN_EXCHANGE_GRANT } from "../../oauth/token-exchange.js";
import { defineFeature } from "../contract.js";
import { tokenExchangeGrant } from "./grant.js";

/**
 * OAuth 2.0 Token Exchange (RFC 8693): a service trades a person's access token
 * (and optionally its own, as the actor) for one meant for another configured
 * resource, no wider and no longer-lived. A client uses it once registered with the
 * grant and the audiences it may exchange for (`token_exchange_audiences`).
 */
export const tokenExchangeFeature = defineFeature({
  name: "tokenExchange",
  build: (services) => ({ grants: { [TOKEN_EXCHANGE_GRANT]: tokenExchangeGrant(services) } }),
});
