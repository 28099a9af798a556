import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidClientMetadata,
  registerClient,
  rotateClientSecret,
  updateClient,
} from "../../../src/clients/registration.js";
import { registrationOfferFor } from "../../../src/main/services.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { clientKey } from "./keys.js";

describe("registering a private_key_jwt client", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const input = { name: "signer", grantTypes: ["client_credentials"], scopes: "read" };

  it("generates no secret and keeps the keys", async () => {
    const { jwk } = await clientKey();
    const offer = registrationOfferFor(server.ctx);
    const { client, secret } = await registerClient(
      server.ctx,
      { ...input, tokenEndpointAuthMethod: "private_key_jwt", metadata: { jwks: { keys: [{ ...jwk }] } } },
      offer,
    );
    expect(secret).toBeUndefined();
    expect(client.secretHash).toBeNull();
    expect(client.tokenEndpointAuthMethod).toBe("private_key_jwt");
    const stored = await server.ctx.durable.clients.get(client.id);
    expect(stored?.metadata.jwks?.keys[0]?.kid).toBe(jwk.kid);
    // Updates keep the method; there is no secret to rotate.
    const updated = await updateClient(server.ctx, client.id, { name: "signer 2" }, offer);
    expect(updated?.tokenEndpointAuthMethod).toBe("private_key_jwt");
    await expect(rotateClientSecret(server.ctx, client.id)).rejects.toThrow(/no secret to rotate/);
  });

  it("requires jwks or jwks_uri (not both), public keys only, and a confidential client", async () => {
    const { jwk, privateKey } = await clientKey();
    const privateJwk = { ...(await exportJWK(privateKey)), kid: "p" };
    const refused: [string, Parameters<typeof registerClient>[1], RegExp][] = [
      ["no keys", { ...input, tokenEndpointAuthMethod: "private_key_jwt" }, /needs .*jwks or jwks_uri/],
      [
        "both",
        {
          ...input,
          tokenEndpointAuthMethod: "private_key_jwt",
          metadata: { jwks: { keys: [{ ...jwk }] }, jwksUri: "https://rp.example/jwks" },
        },
        /not both/,
      ],
      [
        "a private key",
        { ...input, tokenEndpointAuthMethod: "private_key_jwt", metadata: { jwks: { keys: [privateJwk] } } },
        /public keys only/,
      ],
      [
        "a symmetric key",
        {
          ...input,
          tokenEndpointAuthMethod: "private_key_jwt",
          metadata: { jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } },
        },
        /public keys only/,
      ],
      [
        "public",
        {
          ...input,
          grantTypes: ["authorization_code"],
          redirectUris: ["http://127.0.0.1:9/cb"],
          public: true,
          tokenEndpointAuthMethod: "private_key_jwt",
          metadata: { jwks: { keys: [{ ...jwk }] } },
        },
        /public client (cannot use|authenticates with "none", not) private_key_jwt/,
      ],
    ];
    const before = (await server.ctx.durable.clients.list()).length;
    for (const [what, refusedInput, message] of refused) {
      const offer = registrationOfferFor(server.ctx);
      const attempt = registerClient(server.ctx, refusedInput, offer);
      await expect(attempt, what).rejects.toBeInstanceOf(InvalidClientMetadata);
      await expect(registerClient(server.ctx, refusedInput, offer), what).rejects.toThrow(message);
    }
    expect((await server.ctx.durable.clients.list()).length).toBe(before);
  });
});
