import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("CORS for browser-based clients", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const origin = "https://spa.example.test";

  it("answers a preflight for the token endpoint, without credentials", async () => {
    const response = await fetch(`${server.url}/token`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("lets any origin read discovery, JWKS and token errors", async () => {
    for (const path of ["/.well-known/openid-configuration", "/jwks"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { origin } });
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
    }
    const error = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=authorization_code",
    });
    expect(error.status).toBe(401);
    expect(error.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("keeps cookie-based endpoints same-origin", async () => {
    for (const path of ["/authz", "/account", "/login", "/introspect"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { origin }, redirect: "manual" });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
    const preflight = await fetch(`${server.url}/authz`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
