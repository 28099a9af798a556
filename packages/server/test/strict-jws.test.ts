import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCanonicalCompactJws } from "../src/tokens/strict-jws.js";
import { basic, clientCredentialsToken, postForm } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** Flips the unused low bits of the last base64url character: same bytes, a different string. */
function strayBits(token: string): string {
  const last = token.at(-1) as string;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const i = alphabet.indexOf(last);
  return `${token.slice(0, -1)}${alphabet[i ^ 1]}`;
}

describe("strict JWS parsing (RFC 7515 2: one canonical encoding)", () => {
  it("accepts the canonical form only", () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    expect(isCanonicalCompactJws(token)).toBe(true);
    expect(isCanonicalCompactJws(`${token}==`)).toBe(false);
    expect(isCanonicalCompactJws(token.replace("c2ln", "c2lu"))).toBe(true);
    expect(isCanonicalCompactJws("a.b")).toBe(false);
    expect(isCanonicalCompactJws("a..c")).toBe(false);
    expect(isCanonicalCompactJws("eyJ+.eyJ/.c2ln")).toBe(false);
  });

  describe("at every endpoint that verifies a Frontdesk access token", () => {
    let server: TestServer;
    let token: string;
    let rs: { id: string; secret: string };
    beforeAll(async () => {
      server = await startTestServer();
      const ops = await server.client({ scopes: "frontdesk:admin" });
      rs = await server.client({ scopes: "read" });
      token = await clientCredentialsToken(server, ops, { resource: `${server.issuer}/admin/api` });
    });
    afterAll(() => server.close());

    const variants = () => [`${token}==`, `${token}=`, strayBits(token)];

    it("the token itself works", async () => {
      const answer = await postForm(
        server,
        "/introspect",
        { token },
        { authorization: basic(rs.id, rs.secret) },
      );
      expect(answer.json?.active).toBe(true);
    });

    it("introspection answers inactive for a padded or re-encoded signature", async () => {
      for (const variant of variants()) {
        if (variant === token) continue;
        const answer = await postForm(
          server,
          "/introspect",
          { token: variant },
          { authorization: basic(rs.id, rs.secret) },
        );
        expect(answer.json, variant.slice(-4)).toEqual({ active: false });
      }
    });

    it("the admin API (and so userinfo, on the same verifier) refuses it with invalid_token", async () => {
      for (const variant of variants()) {
        if (variant === token) continue;
        for (const path of ["/admin/api/users"]) {
          const response = await fetch(`${server.issuer}${path}`, {
            headers: { authorization: `Bearer ${variant}` },
          });
          expect(response.status, `${path} ${variant.slice(-4)}`).toBe(401);
          expect(response.headers.get("www-authenticate")).toMatch(/invalid_token|Bearer/);
        }
      }
    });
  });
});
