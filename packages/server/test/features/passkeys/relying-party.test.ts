import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { relyingParty } from "../../../src/features/passkeys/relying-party.js";
import { loadServerConfig } from "../../../src/main/config.js";
import { startTestServer, tempDir } from "../../helpers/server.js";

describe("the relying party of passkeys (features.passkeys.rpId and origins)", () => {
  it("defaults to the issuer's host and origin", () => {
    expect(relyingParty("https://id.example.com/auth", {})).toEqual({
      id: "id.example.com",
      name: "id.example.com",
      origins: ["https://id.example.com"],
    });
  });

  it("takes a parent domain of the issuer's host, and origins under it", () => {
    expect(
      relyingParty("https://id.example.com", {
        rpId: "example.com",
        origins: ["https://example.com", "https://app.example.com"],
      }),
    ).toMatchObject({ id: "example.com", origins: ["https://example.com", "https://app.example.com"] });
  });

  it.each([
    [
      { rpId: "other.example" },
      /features\.passkeys\.rpId \(env FRONTDESK_FEATURES_PASSKEYS_RP_ID\) is "other\.example".*set it to "id\.example\.com"/,
    ],
    [{ rpId: "ample.com" }, /neither the issuer's host/],
    [
      { origins: ["https://evil.example"] },
      /features\.passkeys\.origins \(env FRONTDESK_FEATURES_PASSKEYS_ORIGINS\): "https:\/\/evil\.example" is not at the rpId/,
    ],
    [{ origins: ["http://id.example.com"] }, /must use https/],
    [{ origins: ["https://id.example.com/login"] }, /must be an origin alone/],
    [{ origins: ["not a url"] }, /is not a URL/],
  ])("refuses %j, naming the key and the fix", (options, message) => {
    expect(() => relyingParty("https://id.example.com", options)).toThrow(ConfigError);
    expect(() => relyingParty("https://id.example.com", options)).toThrow(message);
  });

  it("reads both keys from the environment, origins space- or comma-separated", () => {
    const config = loadServerConfig({
      env: {
        FRONTDESK_FEATURES_PASSKEYS_RP_ID: "example.com",
        FRONTDESK_FEATURES_PASSKEYS_ORIGINS: "https://id.example.com, https://app.example.com",
      },
      flags: { dataDir: tempDir() },
    });
    expect(config.features.passkeys).toMatchObject({
      enabled: true,
      rpId: "example.com",
      origins: ["https://id.example.com", "https://app.example.com"],
    });
  });

  it("a mismatch stops the server at start-up", async () => {
    await expect(startTestServer({ features: { passkeys: { rpId: "elsewhere.example" } } })).rejects.toThrow(
      /features\.passkeys\.rpId.*elsewhere\.example/,
    );
  });
});
