import type { ClientInput } from "../../../src/clients/registration.js";
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from "../../../src/oauth/token-exchange.js";
import { FormBrowser } from "../../helpers/browser.js";
import type { HttpAnswer } from "../../helpers/http.js";
import {
  codeFlow,
  decodePayload,
  introspect,
  type RelyingParty,
  relyingParty,
  tokenRequest,
} from "../../helpers/oidc.js";
import {
  startTestServer,
  type TestClientOptions,
  type TestConfig,
  type TestServer,
} from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";

export { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT };

/** The services of the tests: a person's web app calls orders, which calls billing on their behalf. */
export const ORDERS = "https://orders.example.test";
export const BILLING = "https://billing.example.test";
export const STOCK = "https://stock.example.test";
export const PERSON_SCOPES = "openid orders:read orders:write";

/** A server whose resources are the three services (orders first: the code flow's default audience). */
export function exchangeServer(overrides: TestConfig = {}): Promise<TestServer> {
  return startTestServer({
    resources: [ORDERS, BILLING, STOCK],
    scopes: ["orders:read", "orders:write", "billing:read"],
    ...overrides,
  });
}

/** The person's web app (authorization code flow). */
export function webApp(server: TestServer): Promise<RelyingParty> {
  return relyingParty(server, { name: "Shop", scopes: PERSON_SCOPES });
}

/** A person signed in at the web app: the access token it got is the subject token of an exchange. */
export async function personToken(server: TestServer, app: RelyingParty) {
  const person = await makeUser(server.ctx);
  const browser = new FormBrowser(server.issuer);
  const { tokens } = await codeFlow(app, browser, person, { scope: PERSON_SCOPES });
  const token = tokens.access_token;
  const claims = decodePayload(token);
  return { person, browser, token, claims, sid: claims.sid as string };
}

/** A confidential service client registered for token exchange (and client_credentials, for actor tokens). */
export function exchanger(
  server: TestServer,
  audiences: string[] = [BILLING],
  input: Partial<ClientInput> = {},
  options: TestClientOptions = {},
): Promise<{ id: string; secret: string }> {
  return server.client(
    {
      name: "orders service",
      grantTypes: [TOKEN_EXCHANGE_GRANT, "client_credentials"],
      scopes: "",
      metadata: { tokenExchangeAudiences: audiences },
      ...input,
    },
    options,
  );
}

/** A hand-made token exchange request (client_secret_basic); `undefined` values are left out. */
export function exchange(
  server: TestServer,
  client: { id: string; secret: string },
  form: Record<string, string | undefined>,
): Promise<HttpAnswer> {
  const full = { grant_type: TOKEN_EXCHANGE_GRANT, subject_token_type: ACCESS_TOKEN_TYPE, ...form };
  const defined = Object.entries(full).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return tokenRequest(server, client, Object.fromEntries(defined));
}

/** Whether the server's introspection says the token is active (asked as the given confidential client). */
export async function isActive(
  server: TestServer,
  caller: { id: string; secret: string },
  token: string,
): Promise<boolean> {
  return (await introspect(server, caller, token)).active === true;
}
