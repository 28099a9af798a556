import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { storeProvider } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc, walkUpstreamAnswer } from "../../helpers/upstream-oidc.js";
import { buttonHref, unique, usersWith } from "./helpers.js";

/**
 * `response_mode=form_post` (what Apple's preset uses): the provider answers with a
 * page that posts the code to the callback. node-oidc-provider stands in for Apple
 * (whose client secret is a JWT it would not take), so the provider is stored with
 * form_post settings directly.
 */
describe("a provider answering with form_post", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/posting/callback`]);
    await storeProvider(
      server,
      { id: "posting", name: "Posting ID", issuer: upstream.issuer, clientId, clientSecret },
      { responseMode: "form_post" },
    );
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  it("asks for form_post and takes the posted answer at the callback", async () => {
    const sub = unique("post");
    upstream.accounts.set(sub, { sub, email: `${sub}@posting.example`, email_verified: true });
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    const started = await browser.follow(buttonHref(page, "Posting ID"));
    expect(new URL(started.url).searchParams.get("response_mode")).toBe("form_post");
    const answer = await walkUpstreamAnswer(new FormBrowser(upstream.issuer), started.url, sub);
    if (typeof answer === "string") throw new Error(`expected a form post, got a redirect to ${answer}`);
    expect(answer.action).toBe(`${server.issuer}/upstream/posting/callback`);
    expect(answer.fields.code).toBeTruthy();
    const landed = await browser.follow(answer.action, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(answer.fields).toString(),
    });
    expect(new URL(landed.url).pathname).toBe("/account");
    expect(await usersWith(server, `${sub}@posting.example`)).toHaveLength(1);
  });
});
