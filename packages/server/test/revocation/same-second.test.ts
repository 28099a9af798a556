import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeUser } from "../../src/users/users.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gatewayToken, signIn } from "../helpers/sign-in.js";
import { makeUser } from "../helpers/users.js";

describe("a user revoked and signed in again at once", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("revokes the old tokens but not the ones issued after the revocation, even in the same second", async () => {
    const { user, username, password } = await makeUser(server.ctx);
    const before = await gatewayToken(await signIn(server.url, username, password));
    await revokeUser(server.ctx, user);
    const after = await gatewayToken(await signIn(server.url, username, password));
    const cutoff = (await server.ctx.durable.users.get(user.id))?.tokensRevokedBefore as number;
    expect(Number(decodeJwt(after).iat)).toBeGreaterThan(cutoff);
    const check = async (token: string) => {
      const claims = await server.ctx.accessTokens.verify(token);
      if (!claims) throw new Error("token did not verify");
      return server.ctx.revocations.isRevoked(claims);
    };
    expect(await check(before)).toBe(true);
    expect(await check(after)).toBe(false);
  });
});
