// Example (docs/guard.md, "Testing a service"): a Hono service tests its own authorization rules
// against the real guard, with tokens from createTestIssuer() instead of a Frontdesk server.
import { createVerifier, type VerifierOptions } from "@frontdesk/guard";
import { type GuardEnv, honoGuard, requireDpop, requireScopes } from "@frontdesk/guard/hono";
import { createTestIssuer, type TestIssuer } from "@frontdesk/guard/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The service under test (in your project, your own module): reading photos needs `photos:read`;
// uploading needs a DPoP-bound token with `photos:write`.
function photoApp(options: VerifierOptions) {
  const app = new Hono<GuardEnv>();
  app.use("/photos", honoGuard(createVerifier(options)));
  app.get("/photos", requireScopes("photos:read"), (c) => c.json({ photos: [], for: c.get("auth").sub }));
  app.post("/photos", requireDpop(), requireScopes("photos:write"), (c) =>
    c.json({ uploadedBy: c.get("auth").sub }, 201),
  );
  return app;
}

const PUBLIC_URL = "https://photos.example.com"; // what clients call; DPoP proofs name it
let issuer: TestIssuer;
let app: Hono<GuardEnv>;

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Configured as in production, with the test issuer's URL and audience in place of Frontdesk's.
  app = photoApp({ issuer: issuer.issuer, audience: issuer.audience, publicUrl: PUBLIC_URL });
});
afterAll(() => issuer.close());

// Requests go to the app in process (app.request); the guard still fetches the issuer's keys over HTTP.
const get = (token: string) => app.request("/photos", { headers: { authorization: `Bearer ${token}` } });
const errorOf = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe("photo service (Hono)", () => {
  it("lists photos for a token with photos:read", async () => {
    const res = await get(await issuer.token({ sub: "alice", scope: "photos:read" }));
    expect([res.status, await res.json()]).toEqual([200, { photos: [], for: "alice" }]);
  });

  it("refuses a token without photos:read with 403 insufficient_scope", async () => {
    const res = await get(await issuer.token({ scope: "photos:write" }));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('scope="photos:read"');
  });

  it("refuses an expired token with 401 invalid_token", async () => {
    const res = await get(await issuer.expiredToken({ scope: "photos:read" }));
    expect([res.status, (await errorOf(res)).error]).toEqual([401, "invalid_token"]);
  });

  it("uploads only with a DPoP-bound token and a proof of its key", async () => {
    const bound = await issuer.dpopToken({ sub: "alice", scope: "photos:write" });
    const upload = (headers: Record<string, string>) => app.request("/photos", { method: "POST", headers });
    const ok = await upload(await bound.headers("POST", `${PUBLIC_URL}/photos`));
    expect([ok.status, await ok.json()]).toEqual([201, { uploadedBy: "alice" }]);
    const asBearer = await upload({ authorization: `Bearer ${bound.token}` });
    expect(asBearer.status).toBe(401);
    const otherUrl = await bound.headers("POST", `${PUBLIC_URL}/albums`);
    const misdirected = await upload(otherUrl);
    expect([misdirected.status, (await errorOf(misdirected)).error]).toEqual([401, "invalid_dpop_proof"]);
  });
});
