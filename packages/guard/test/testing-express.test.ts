// Example (docs/guard.md, "Testing a service"): an Express service tests its own authorization rules
// against the real guard, with tokens from createTestIssuer() instead of a Frontdesk server.
import { createServer } from "node:http";
import { createVerifier, type VerifierOptions } from "@frontdesk/guard";
import { expressGuard, requireDpop, requireScopes } from "@frontdesk/guard/express";
import { createTestIssuer, type TestIssuer } from "@frontdesk/guard/testing";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "./helpers.js";

// The service under test (in your project, your own module): reading photos needs `photos:read`;
// uploading needs a DPoP-bound token with `photos:write`.
function photoApp(options: VerifierOptions) {
  const app = express();
  app.use("/photos", expressGuard(createVerifier(options)));
  app.get("/photos", requireScopes("photos:read"), (req, res) => {
    res.json({ photos: [], for: req.auth?.sub });
  });
  app.post("/photos", requireDpop(), requireScopes("photos:write"), (req, res) => {
    res.status(201).json({ uploadedBy: req.auth?.sub });
  });
  return app;
}

const PUBLIC_URL = "https://photos.example.com"; // what clients call; DPoP proofs name it
let issuer: TestIssuer;
let service: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Configured as in production, with the test issuer's URL and audience in place of Frontdesk's.
  const app = photoApp({ issuer: issuer.issuer, audience: issuer.audience, publicUrl: PUBLIC_URL });
  service = await listen(createServer(app));
});
afterAll(async () => {
  await service.close();
  await issuer.close();
});

const get = (token: string) =>
  fetch(`${service.url}/photos`, { headers: { authorization: `Bearer ${token}` } });
const errorOf = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe("photo service (Express)", () => {
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
    expect([res.status, (await errorOf(res)).error_description]).toEqual([401, "token expired"]);
  });

  it("refuses a token that is not from its issuer, whatever its scopes", async () => {
    for (const flaw of ["unknown-key", "wrong-issuer", "wrong-audience", "alg-none"] as const) {
      const res = await get(await issuer.forgedToken(flaw, { scope: "photos:read" }));
      expect([flaw, res.status, (await errorOf(res)).error]).toEqual([flaw, 401, "invalid_token"]);
    }
  });

  it("uploads only with a DPoP-bound token and a proof of its key", async () => {
    const bound = await issuer.dpopToken({ sub: "alice", scope: "photos:write" });
    const upload = (headers: Record<string, string>) =>
      fetch(`${service.url}/photos`, { method: "POST", headers });
    const headers = await bound.headers("POST", `${PUBLIC_URL}/photos`);
    const ok = await upload(headers);
    expect([ok.status, await ok.json()]).toEqual([201, { uploadedBy: "alice" }]);
    const replayed = await upload(headers);
    expect([replayed.status, (await errorOf(replayed)).error]).toEqual([401, "invalid_dpop_proof"]);
    const bearer = await upload({ authorization: `Bearer ${await issuer.token({ scope: "photos:write" })}` });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toMatch(/^DPoP /);
  });
});
