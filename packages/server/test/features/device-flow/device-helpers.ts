import { expect } from "vitest";
import type { ClientInput } from "../../../src/clients/registration.js";
import { FormBrowser } from "../../helpers/browser.js";
import { basic, type HttpAnswer, postForm } from "../../helpers/http.js";
import type { Person } from "../../helpers/oidc.js";
import type { TestServer } from "../../helpers/server.js";

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** A client registered for the device grant (confidential unless `public: true`). */
export function deviceClient(server: TestServer, input: Partial<ClientInput> = {}) {
  return server.client({
    name: "Living Room TV",
    grantTypes: [DEVICE_GRANT, "refresh_token"],
    scopes: "openid profile email offline_access",
    ...input,
  });
}

const auth = (client: { id: string; secret: string }): Record<string, string> =>
  client.secret ? { authorization: basic(client.id, client.secret) } : {};
const clientIdParam = (client: { id: string; secret: string }): Record<string, string> =>
  client.secret ? {} : { client_id: client.id };

/** POST /device_authorization as the client (at `base`, default the server's issuer). */
export function requestDeviceCode(
  server: Pick<TestServer, "issuer">,
  client: { id: string; secret: string },
  form: Record<string, string> = { scope: "openid profile offline_access" },
): Promise<HttpAnswer> {
  return postForm(server, "/device_authorization", { ...clientIdParam(client), ...form }, auth(client));
}

/** A device code that was issued: the response fields. */
export async function newDeviceCode(
  server: Pick<TestServer, "issuer">,
  client: { id: string; secret: string },
  scope = "openid profile offline_access",
): Promise<{ device_code: string; user_code: string; verification_uri_complete: string; interval: number }> {
  const answer = await requestDeviceCode(server, client, { scope });
  expect(answer.status, answer.text).toBe(200);
  return answer.json as never;
}

/** One poll of the token endpoint. */
export function poll(
  server: Pick<TestServer, "issuer">,
  client: { id: string; secret: string },
  deviceCode: string,
): Promise<HttpAnswer> {
  return postForm(
    server,
    "/token",
    { grant_type: DEVICE_GRANT, device_code: deviceCode, ...clientIdParam(client) },
    auth(client),
  );
}

/**
 * Enters the user code at /device and walks sign-in and consent like a person;
 * returns the paths seen, and the last page.
 */
export async function answerAtDevicePage(
  origin: string,
  person: Person,
  userCode: string,
  decision: "allow" | "deny" = "allow",
  browser = new FormBrowser(origin),
): Promise<{ pages: string[]; page: string; status: number; consentPage?: string }> {
  let { response, url } = await browser.follow("/device");
  let page = await response.text();
  const pages: string[] = [];
  let consentPage: string | undefined;
  ({ response, url } = await browser.submit(page, { user_code: userCode }));
  for (let step = 0; step < 4; step++) {
    page = await response.text();
    const path = new URL(url).pathname;
    pages.push(path);
    if (path === "/login" && page.includes('action="/login"'))
      ({ response, url } = await browser.submit(page, {
        username: person.username,
        password: person.password,
      }));
    else if (path === "/consent" && page.includes('action="/consent"')) {
      consentPage = page;
      ({ response, url } = await browser.submit(page, {}, { button: { name: "decision", value: decision } }));
    } else return { pages, page, status: response.status, consentPage };
  }
  throw new Error(`the device page flow did not finish: ${pages.join(" ")}`);
}
