import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, postForm } from "../../helpers/http.js";
import { type RelyingParty, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { authorizationParams } from "../pushed-authorization-requests/helpers.js";
import { openAuthorize, signingKey, signRequestObject } from "./helpers.js";

const now = () => Math.floor(Date.now() / 1000);

describe("bad request objects are invalid_request_object and change nothing", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let keyless: RelyingParty;
  let key: Awaited<ReturnType<typeof signingKey>>;
  let stranger: Awaited<ReturnType<typeof signingKey>>;
  let claims: Record<string, unknown>;
  beforeAll(async () => {
    server = await startTestServer();
    key = await signingKey("ES256");
    stranger = await signingKey("ES256", key.kid);
    rp = await relyingParty(server, { name: "Signed App", metadata: { jwks: { keys: [key.jwk] } } });
    keyless = await relyingParty(server, { name: "No Keys" });
    const { params } = await authorizationParams();
    claims = { ...params, client_id: rp.id, iss: rp.id, aud: server.issuer, exp: now() + 300, iat: now() };
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const refusedAt = async (clientId: string, request: string) => {
    const opened = await openAuthorize(server, { client_id: clientId, request });
    expect(opened.status, request.slice(0, 60)).toBe(400);
    expect(opened.location).toBeNull();
    expect(opened.alert).toContain("invalid_request_object");
    const pushed = await postForm(
      server,
      "/par",
      { client_id: clientId, request },
      {
        authorization: basic(clientId, clientId === rp.id ? rp.secret : keyless.secret),
      },
    );
    expect([pushed.status, pushed.json?.error]).toEqual([400, "invalid_request_object"]);
    expect(pushed.json).not.toHaveProperty("request_uri");
  };

  it("accepts the well-formed one (typ oauth-authz-req+jwt, or JWT)", async () => {
    for (const typ of ["oauth-authz-req+jwt", "JWT"]) {
      const opened = await openAuthorize(server, {
        client_id: rp.id,
        request: await signRequestObject(key, claims, { typ }),
      });
      expect(opened.status, typ).toBe(303);
      expect(opened.location).toMatch(/^\/login\?request=/);
    }
  });

  it("refuses wrong claims: iss, aud, exp missing, far or past, nbf and iat ahead, client_id, nested request_uri", async () => {
    const { exp: _, ...noExp } = claims;
    const variants: Record<string, unknown>[] = [
      { ...claims, iss: "someone-else" },
      { ...claims, aud: "https://other-issuer.example" },
      noExp,
      { ...claims, exp: now() + 3600 },
      { ...claims, exp: now() - 120 },
      { ...claims, nbf: now() + 600 },
      { ...claims, iat: now() + 600 },
      { ...claims, iat: now() - 7200 },
      { ...claims, client_id: keyless.id },
      { ...claims, request_uri: "https://client.example/ro" },
      { ...claims, request: "nested" },
    ];
    for (const variant of variants) await refusedAt(rp.id, await signRequestObject(key, variant));
  });

  it("refuses wrong signatures and forms: none, HS256, an unregistered key, padding, typ, garbage, size", async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${encode({ alg: "none" })}.${encode(claims)}.`;
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(rp.secret));
    const good = await signRequestObject(key, claims);
    const forms = [
      unsigned,
      hs256,
      await signRequestObject(stranger, claims),
      `${good}==`,
      `${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`,
      await signRequestObject(key, claims, { typ: "dpop+jwt" }),
      "not.a.jwt",
      "garbage",
    ];
    for (const form of forms) await refusedAt(rp.id, form);
  });

  it("refuses an oversized request object posted to /authorize and to /par (a URL that long is 431 already)", async () => {
    const request = await signRequestObject(key, { ...claims, padding: "x".repeat(40_000) });
    const posted = await postForm(server, "/authorize", { client_id: rp.id, request });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain("invalid_request_object");
    const pushed = await postForm(
      server,
      "/par",
      { client_id: rp.id, request },
      {
        authorization: basic(rp.id, rp.secret),
      },
    );
    expect([pushed.status, pushed.json?.error]).toEqual([400, "invalid_request_object"]);
  });

  it("refuses a request object from a client that registered no keys", async () => {
    await refusedAt(
      keyless.id,
      await signRequestObject(key, { ...claims, client_id: keyless.id, iss: keyless.id }),
    );
  });

  it("the same request objects still work afterwards: a refusal consumed nothing", async () => {
    const opened = await openAuthorize(server, {
      client_id: rp.id,
      request: await signRequestObject(key, claims),
    });
    expect(opened.status).toBe(303);
  });
});
