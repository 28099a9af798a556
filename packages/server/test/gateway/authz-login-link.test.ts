import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * /authz's 401 names the sign-in link in `X-Frontdesk-Login`, with the original URI
 * as `return_to`. Gateways cannot percent-encode a query parameter themselves
 * (`return_to=$request_uri` or `{uri}` cuts the query at the first `&` and turns
 * `%20` into a space), so the link is built here and the gateway only redirects to it.
 */
describe("/authz sign-in link", () => {
  let server: TestServer;
  const login = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, { headers });
    expect(response.status).toBe(401);
    return response.headers.get("x-frontdesk-login");
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("keeps the whole query string and an encoded %20 of the original URI (nginx's X-Original-URI)", async () => {
    const link = await login("/authz", { "x-original-uri": "/app/a%20b?x=1&y=two%26three" });
    expect(link).toBe(`${server.issuer}/login?return_to=%2Fapp%2Fa%2520b%3Fx%3D1%26y%3Dtwo%2526three`);
    expect(new URL(link as string).searchParams.get("return_to")).toBe("/app/a%20b?x=1&y=two%26three");
  });

  it("reads Caddy's X-Forwarded-Uri and the path Envoy's ext_authz appends", async () => {
    expect(await login("/authz?x=1", { "x-forwarded-uri": "/app/r?x=1" })).toBe(
      `${server.issuer}/login?return_to=%2Fapp%2Fr%3Fx%3D1`,
    );
    expect(await login("/authz/app/r?x=1&y=2")).toBe(
      `${server.issuer}/login?return_to=%2Fapp%2Fr%3Fx%3D1%26y%3D2`,
    );
  });

  it("leaves return_to out when the gateway names no URI or one that is not a local path", async () => {
    expect(await login("/authz")).toBe(`${server.issuer}/login`);
    for (const uri of ["//evil.example/x", "https://evil.example/", "/a\\b", "/a b"])
      expect(await login("/authz", { "x-original-uri": uri })).toBe(`${server.issuer}/login`);
  });
});
