import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, type HttpAnswer, postForm, postRaw } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** Every error answer: the code, the status, no-store, and no token. */
function expectError(res: HttpAnswer, status: number, error: string): void {
  expect({ status: res.status, error: res.json?.error }).toEqual({ status, error });
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.json?.access_token).toBeUndefined();
}

describe("token endpoint errors, each with its triggering input", () => {
  let server: TestServer;
  let cc: { id: string; secret: string };
  const cred = () => ({ authorization: basic(cc.id, cc.secret) });

  beforeAll(async () => {
    server = await startTestServer();
    cc = await server.client({ scopes: "read write" });
  });
  afterAll(() => server.close());

  it("a successful answer is no-store as well", async () => {
    const res = await postForm(server, "/token", { grant_type: "client_credentials" }, cred());
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("a scope the client is not registered for -> invalid_scope", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "read admin" },
      cred(),
    );
    expectError(res, 400, "invalid_scope");
    expect(String(res.json?.error_description)).toContain("admin");
  });

  it("a malformed scope token -> invalid_scope", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: 'read "x' },
      cred(),
    );
    expectError(res, 400, "invalid_scope");
  });

  it("a wrong secret (Basic) -> 401 invalid_client with WWW-Authenticate: Basic", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(cc.id, `${cc.secret}x`) },
    );
    expectError(res, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("an unknown client (Basic) -> 401 invalid_client with WWW-Authenticate: Basic, same answer as a wrong secret", async () => {
    const unknown = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic("no-such-client", cc.secret) },
    );
    const wrong = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(cc.id, "wrong") },
    );
    expectError(unknown, 401, "invalid_client");
    expect(unknown.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(unknown.json).toEqual(wrong.json);
  });

  it("a wrong secret (client_secret_post) -> 401 invalid_client without a Basic challenge", async () => {
    const res = await postForm(server, "/token", {
      grant_type: "client_credentials",
      client_id: cc.id,
      client_secret: "wrong",
    });
    expectError(res, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toBeNull();
  });

  it("no client authentication at all -> 401 invalid_client", async () => {
    const res = await postForm(server, "/token", { grant_type: "client_credentials" });
    expectError(res, 401, "invalid_client");
  });

  it.each([
    ["not base64", "Basic !!!not-base64!!!"],
    ["no colon", `Basic ${Buffer.from("just-an-id").toString("base64")}`],
    ["bad percent-encoding", `Basic ${Buffer.from("%zz:%zz").toString("base64")}`],
    ["no credentials", "Basic"],
  ])("a malformed Basic header (%s) -> 401 invalid_client with a Basic challenge", async (_what, header) => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: header },
    );
    expectError(res, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("a grant type the client is not registered for -> unauthorized_client", async () => {
    const web = await server.client({
      grantTypes: ["authorization_code"],
      redirectUris: ["https://app.example.com/cb"],
    });
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(web.id, web.secret) },
    );
    expectError(res, 400, "unauthorized_client");
  });

  it.each(["password", "urn:ietf:params:oauth:grant-type:jwt-bearer", "constructor", "__proto__"])(
    "grant_type=%s -> unsupported_grant_type",
    async (grantType) => {
      const res = await postForm(server, "/token", { grant_type: grantType }, cred());
      expectError(res, 400, "unsupported_grant_type");
    },
  );

  it("a missing grant_type -> invalid_request naming it", async () => {
    const res = await postForm(server, "/token", { scope: "read" }, cred());
    expectError(res, 400, "invalid_request");
    expect(String(res.json?.error_description)).toContain("grant_type");
  });

  it.each([
    [
      "scope",
      [
        ["grant_type", "client_credentials"],
        ["scope", "read"],
        ["scope", "write"],
      ],
    ],
    [
      "grant_type",
      [
        ["grant_type", "client_credentials"],
        ["grant_type", "client_credentials"],
      ],
    ],
  ] as [string, [string, string][]][])("a repeated parameter (%s) -> invalid_request", async (name, form) => {
    const res = await postForm(server, "/token", form, cred());
    expectError(res, 400, "invalid_request");
    expect(String(res.json?.error_description)).toContain(name);
  });

  // RFC 8707 2 and RFC 8693 2.1 allow several targets; tokens here are for one.
  it.each(["resource", "audience"])("a repeated target (%s) -> invalid_target", async (name) => {
    const form: [string, string][] = [
      ["grant_type", "client_credentials"],
      [name, `${server.issuer}/api`],
      [name, `${server.issuer}/api`],
    ];
    const res = await postForm(server, "/token", form, cred());
    expectError(res, 400, "invalid_target");
    expect(String(res.json?.error_description)).toContain(name);
  });

  it("two client authentication methods at once (Basic and client_secret) -> invalid_request", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", client_id: cc.id, client_secret: cc.secret },
      cred(),
    );
    expectError(res, 400, "invalid_request");
  });

  it("Basic and a different client_id in the body -> invalid_request", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", client_id: "someone-else" },
      cred(),
    );
    expectError(res, 400, "invalid_request");
  });

  it("a body over 64 KiB -> 413", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "x".repeat(65 * 1024) },
      cred(),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json?.error).toBe("invalid_request");
  });

  it("a body just under the limit is parsed (and fails on its content, not its size)", async () => {
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "x".repeat(60 * 1024) },
      cred(),
    );
    expectError(res, 400, "invalid_scope");
  });

  it.each([
    ["application/json", JSON.stringify({ grant_type: "client_credentials" })],
    ["text/plain", "grant_type=client_credentials"],
    ["application/xml", "<grant_type>client_credentials</grant_type>"],
    [
      "multipart/form-data; boundary=x",
      "--x\r\nContent-Disposition: form-data; name=grant_type\r\n\r\nclient_credentials\r\n--x--",
    ],
  ])("content type %s -> 400 invalid_request", async (contentType, body) => {
    const res = await postRaw(server, "/token", body, { "content-type": contentType, ...cred() });
    expectError(res, 400, "invalid_request");
  });

  it("a JSON body with valid credentials is refused, not served", async () => {
    const res = await postRaw(
      server,
      "/token",
      JSON.stringify({ grant_type: "client_credentials", client_id: cc.id, client_secret: cc.secret }),
      { "content-type": "application/json" },
    );
    expectError(res, 400, "invalid_request");
  });

  it("no body at all -> 400 invalid_request", async () => {
    const res = await postRaw(server, "/token", undefined, cred());
    expectError(res, 400, "invalid_request");
  });

  it("GET /token is not a token endpoint", async () => {
    const res = await fetch(`${server.issuer}/token?grant_type=client_credentials`, { headers: cred() });
    expect(res.status).toBe(404);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
