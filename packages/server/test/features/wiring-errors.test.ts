import { describe, expect, it } from "vitest";
import { ClientAuthentication } from "../../src/http/client-auth/authenticate.js";
import { clientSecretBasic } from "../../src/http/client-auth/methods.js";
import { insertNamed } from "../../src/interaction/compose.js";
import { migrationProvider } from "../../src/storage/durable/migrations/index.js";

// Wiring mistakes a feature can make are found at start-up, with a message naming them.
describe("wiring errors between features", () => {
  const core = [{ name: "client" }, { name: "scope" }];

  it("places an addition before the step it names, or at the end", () => {
    const steps = insertNamed("step", core, [
      { item: { name: "extra" }, before: "scope" },
      { item: { name: "last" } },
    ]);
    expect(steps.map((s) => s.name)).toEqual(["client", "extra", "scope", "last"]);
  });

  it("refuses a step registered twice, and one placed before a step that does not exist", () => {
    expect(() => insertNamed("step", core, [{ item: { name: "scope" } }])).toThrow(
      /step scope is registered twice/,
    );
    expect(() => insertNamed("step", core, [{ item: { name: "x" }, before: "nope" }])).toThrow(
      /step x: no step named nope/,
    );
  });

  it("refuses a client authentication method registered twice", () => {
    const deps = {} as ConstructorParameters<typeof ClientAuthentication>[0];
    expect(() => new ClientAuthentication(deps, [clientSecretBasic, clientSecretBasic])).toThrow(
      /client_secret_basic registered twice/,
    );
  });

  it("refuses a feature migration named like the core's, or like another's", async () => {
    const up = () => ({ up: async () => {} });
    await expect(
      migrationProvider({ int64: "integer" }, { "001-initial": up }).getMigrations(),
    ).rejects.toThrow(/name taken or not feature-prefixed/);
    await expect(migrationProvider({ int64: "integer" }, { "9-x": up }).getMigrations()).rejects.toThrow(
      /not feature-prefixed/,
    );
  });
});
