import { describe, expect, it } from "vitest";
import { runCli, runCliJson } from "../../helpers/http.js";
import { tempDir } from "../../helpers/server.js";
import { DEVICE_GRANT } from "./device-helpers.js";

describe("clients registered for the device grant", () => {
  it("the CLI registers a public device client (no redirect URI needed)", async () => {
    const dataDir = tempDir();
    const created = await runCliJson([
      "client",
      "create",
      "--name",
      "Living Room TV",
      "--public",
      "--grant-types",
      `${DEVICE_GRANT},refresh_token`,
      "--scopes",
      "openid offline_access",
      "--data-dir",
      dataDir,
    ]);
    expect(created.client_id).toBeTypeOf("string");
    expect(created).not.toHaveProperty("client_secret");
  });

  it("an unknown grant type is still refused, naming the supported ones (the device grant among them)", async () => {
    const refused = await runCli([
      "client",
      "create",
      "--name",
      "x",
      "--grant-types",
      "urn:example:nope",
      "--data-dir",
      tempDir(),
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`not supported \\(use .*${DEVICE_GRANT}.*\\(--grant-types\\)`));
  });
});
