// Example (docs/guard.md, "Testing a service"): a Fastify service tests its own authorization rules
// against the real guard, with tokens from createTestIssuer() instead of a Frontdesk server.
import { createVerifier, type VerifierOptions } from "@frontdesk/guard";
import { frontdeskGuard, requireDpop, requireScopes } from "@frontdesk/guard/fastify";
import { createTestIssuer, type TestIssuer } from "@frontdesk/guard/testing";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The service under test (in your project, your own module): reading photos needs `photos:read`;
// uploading needs a DPoP-bound token with `photos:write`.
async function photoApp(options: VerifierOptions): Promise<FastifyInstance> {
  const verifier = createVerifier(options);
  const app = Fastify();
  await app.register(frontdeskGuard, { verifier });
  app.get("/photos", { preHandler: requireScopes("photos:read") }, async (request) => ({
    photos: [],
    for: request.auth?.sub,
  }));
  app.post(
    "/photos",
    { preHandler: [requireDpop(), requireScopes("photos:write")] },
    async (request, reply) => reply.code(201).send({ uploadedBy: request.auth?.sub }),
  );
  app.addHook("onClose", () => verifier.close());
  return app;
}

const PUBLIC_URL = "https://photos.example.com"; // what clients call; DPoP proofs name it
let issuer: TestIssuer;
let app: FastifyInstance;

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Configured as in production, with the test issuer's URL and audience in place of Frontdesk's.
  app = await photoApp({ issuer: issuer.issuer, audience: issuer.audience, publicUrl: PUBLIC_URL });
});
afterAll(async () => {
  await app.close();
  await issuer.close();
});

// Requests go to the app in process (app.inject); the guard still fetches the issuer's keys over HTTP.
const get = (token: string) => app.inject({ url: "/photos", headers: { authorization: `Bearer ${token}` } });

describe("photo service (Fastify)", () => {
  it("lists photos for a token with photos:read", async () => {
    const res = await get(await issuer.token({ sub: "alice", scope: "photos:read" }));
    expect([res.statusCode, res.json()]).toEqual([200, { photos: [], for: "alice" }]);
  });

  it("refuses a token without photos:read with 403 insufficient_scope", async () => {
    const res = await get(await issuer.token({ scope: "photos:write" }));
    expect(res.statusCode).toBe(403);
    expect(res.headers["www-authenticate"]).toContain('scope="photos:read"');
  });

  it("refuses an expired token with 401 invalid_token", async () => {
    const res = await get(await issuer.expiredToken({ scope: "photos:read" }));
    expect([res.statusCode, res.json().error_description]).toEqual([401, "token expired"]);
  });

  it("uploads only with a DPoP-bound token and a proof of its key", async () => {
    const bound = await issuer.dpopToken({ sub: "alice", scope: "photos:write" });
    const upload = (headers: Record<string, string>) =>
      app.inject({ method: "POST", url: "/photos", headers });
    const ok = await upload(await bound.headers("POST", `${PUBLIC_URL}/photos`));
    expect([ok.statusCode, ok.json()]).toEqual([201, { uploadedBy: "alice" }]);
    const asBearer = await upload({ authorization: `Bearer ${bound.token}` });
    expect([asBearer.statusCode, asBearer.json().error]).toEqual([401, "invalid_token"]);
    const bearer = await upload({ authorization: `Bearer ${await issuer.token({ scope: "photos:write" })}` });
    expect(bearer.statusCode).toBe(401);
    expect(bearer.headers["www-authenticate"]).toMatch(/^DPoP /);
  });
});
