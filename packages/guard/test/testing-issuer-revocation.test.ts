import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVerifier, httpRevocationFeed, type Verifier } from "../src/index.js";
import { createTestIssuer, type TestIssuer } from "../src/testing/index.js";

let issuer: TestIssuer;
const verifiers: Verifier[] = [];

beforeEach(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  for (const v of verifiers.splice(0)) await v.close();
  await issuer.close();
});

/** A verifier following the issuer's revocation feed, as a service instance would. */
function follower(): Verifier {
  const v = createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    revocations: issuer.revocationFeed(),
  });
  verifiers.push(v);
  return v;
}

const reasonOf = (p: Promise<unknown>) =>
  p.then(
    () => "accepted",
    (e: { reason?: string }) => e.reason,
  );

describe("the test issuer's revocation feed", () => {
  it("revoke resolves once the following guard refuses the token", async () => {
    const verifier = follower();
    const token = await issuer.token({ jti: "photo-token-1" });
    expect(await reasonOf(verifier.verify(token))).toBe("accepted");
    const event = await issuer.revoke({ type: "jti", value: "photo-token-1" });
    expect(event).toMatchObject({ id: "1", type: "jti", value: "photo-token-1" });
    expect(await reasonOf(verifier.verify(token))).toBe("token_revoked");
  });

  it("reaches every instance of a service, by jti, sub, sid and client", async () => {
    const instances = [follower(), follower()];
    const tokens = {
      jti: await issuer.token({ jti: "t-jti" }),
      sub: await issuer.token({ sub: "bob" }),
      sid: await issuer.token({ sid: "session-1" }),
      client: await issuer.token({ client_id: "old-app" }),
    };
    const untouched = await issuer.token({ sub: "carol", sid: "session-2" });
    await issuer.revoke({ type: "jti", value: "t-jti" });
    await issuer.revoke({ type: "sub", value: "bob" });
    await issuer.revoke({ type: "sid", value: "session-1" });
    await issuer.revoke({ type: "client", value: "old-app" });
    for (const verifier of instances) {
      for (const [kind, token] of Object.entries(tokens))
        expect([kind, await reasonOf(verifier.verify(token))]).toEqual([kind, "token_revoked"]);
      expect(await reasonOf(verifier.verify(untouched))).toBe("accepted");
    }
  });

  it("a subject revoked before a token was issued keeps that token (before defaults to now)", async () => {
    const verifier = follower();
    const old = await issuer.token({ sub: "dora", iat: Math.floor(Date.now() / 1000) - 60 });
    const event = await issuer.revoke({ type: "sub", value: "dora" });
    const fresh = await issuer.token({ sub: "dora", iat: (event.before as number) + 1 });
    expect(await reasonOf(verifier.verify(old))).toBe("token_revoked");
    expect(await reasonOf(verifier.verify(fresh))).toBe("accepted");
  });

  it("a guard started after a revocation gets it in its first snapshot", async () => {
    const token = await issuer.token({ jti: "early" });
    await issuer.revoke({ type: "jti", value: "early" }); // nobody follows yet: resolves at once
    const feed = issuer.revocationFeed();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, revocations: feed });
    verifiers.push(verifier);
    await feed.ready;
    expect(await reasonOf(verifier.verify(token))).toBe("token_revoked");
  });

  it("answers feeds it did not hand credentials to with 401 invalid_client", async () => {
    const errors: unknown[] = [];
    const stranger = httpRevocationFeed({
      issuer: issuer.issuer,
      clientId: "revocation-feed-1",
      clientSecret: "guessed",
      onError: (e) => errors.push(e),
      backoff: 10_000,
    });
    try {
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    } finally {
      await stranger.close();
    }
  });

  it("revoke fails, naming the feeds behind, when a feed does not apply the event in time", async () => {
    // A feed whose requests never reach the issuer (they end only when the feed closes).
    const stuck = issuer.revocationFeed({
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        ),
    });
    try {
      await expect(issuer.revoke({ type: "jti", value: "x" }, { timeout: 100 })).rejects.toThrow(
        "1 revocation feed(s) did not apply event 1 within 100 ms",
      );
    } finally {
      await stuck.close();
    }
    await expect(issuer.revoke({ type: "jti", value: "y" })).resolves.toMatchObject({ id: "2" });
  });

  it("close() closes the feeds it made, and stops serving", async () => {
    const other = await createTestIssuer();
    const feed = other.revocationFeed();
    await feed.ready;
    await other.close();
    await expect(fetch(`${other.issuer}/jwks`)).rejects.toThrow();
    await expect(other.revoke({ type: "jti", value: "late" })).rejects.toThrow("the test issuer is closed");
    await feed.close(); // already closed: no-op
  });
});
