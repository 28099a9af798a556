// Example (docs/guard.md, "Testing a service"): a node:http service tests its own authorization rules
// against the real guard, with tokens from createTestIssuer() instead of a Frontdesk server.
import { createServer } from "node:http";
import { createVerifier, type VerifierOptions } from "@frontdesk/guard";
import { nodeGuard } from "@frontdesk/guard/node";
import { createTestIssuer, type TestIssuer } from "@frontdesk/guard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "./helpers.js";

// The service under test (in your project, your own module): reading photos needs `photos:read`;
// uploading needs a DPoP-bound token with `photos:write`.
function photoService(options: VerifierOptions) {
  const verifier = createVerifier(options);
  const canRead = nodeGuard(verifier).requireScopes("photos:read");
  const canUpload = nodeGuard(verifier, { requireDpop: true }).requireScopes("photos:write");
  const server = createServer(async (req, res) => {
    const upload = req.method === "POST";
    const claims = await (upload ? canUpload : canRead)(req, res);
    if (!claims) return; // the guard answered
    res.writeHead(upload ? 201 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(upload ? { uploadedBy: claims.sub } : { photos: [], for: claims.sub }));
  });
  server.on("close", () => void verifier.close());
  return server;
}

const PUBLIC_URL = "https://photos.example.com"; // what clients call; DPoP proofs name it
let issuer: TestIssuer;
let service: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Configured as in production, with the test issuer's URL and audience in place of Frontdesk's.
  const server = photoService({
    issuer: issuer.issuer,
    audience: issuer.audience,
    publicUrl: PUBLIC_URL,
    revocations: issuer.revocationFeed(),
  });
  service = await listen(server);
});
afterAll(async () => {
  await service.close();
  await issuer.close();
});

const get = (token: string) =>
  fetch(`${service.url}/photos`, { headers: { authorization: `Bearer ${token}` } });
const errorOf = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe("photo service (node:http)", () => {
  it("lists photos for a token with photos:read", async () => {
    const res = await get(await issuer.token({ sub: "alice", scope: "photos:read" }));
    expect([res.status, await res.json()]).toEqual([200, { photos: [], for: "alice" }]);
  });

  it("refuses a token without photos:read with 403 insufficient_scope", async () => {
    const res = await get(await issuer.token({ scope: "profile" }));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(res.headers.get("www-authenticate")).toContain('scope="photos:read"');
  });

  it("refuses an expired token with 401 invalid_token", async () => {
    const res = await get(await issuer.expiredToken({ scope: "photos:read" }));
    expect([res.status, await res.json()]).toEqual([
      401,
      { error: "invalid_token", error_description: "token expired" },
    ]);
  });

  it("uploads only with a DPoP-bound token and a proof of its key", async () => {
    const bound = await issuer.dpopToken({ sub: "alice", scope: "photos:write" });
    const upload = (headers: Record<string, string>) =>
      fetch(`${service.url}/photos`, { method: "POST", headers });
    const ok = await upload(await bound.headers("POST", `${PUBLIC_URL}/photos`));
    expect([ok.status, await ok.json()]).toEqual([201, { uploadedBy: "alice" }]);
    const asBearer = await upload({ authorization: `Bearer ${bound.token}` });
    expect(asBearer.status).toBe(401);
    const bearer = await upload({ authorization: `Bearer ${await issuer.token({ scope: "photos:write" })}` });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toMatch(/^DPoP /);
  });

  it("refuses a token once it is revoked", async () => {
    const token = await issuer.token({ scope: "photos:read", jti: "leaked-token" });
    expect((await get(token)).status).toBe(200);
    await issuer.revoke({ type: "jti", value: "leaked-token" }); // resolves once the service's feed has it
    const res = await get(token);
    expect([res.status, (await errorOf(res)).error_description]).toEqual([401, "token revoked"]);
  });
});
