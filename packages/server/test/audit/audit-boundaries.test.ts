import { describe, expect, it } from "vitest";
import { ProbeError, Prober } from "../../src/audit/probe.js";
import { runCli } from "../helpers/http.js";
import { REDIRECT } from "../helpers/oidc.js";
import { freePort, startTestServer } from "../helpers/server.js";
import { auditCli, check, group } from "./audit-cli.js";

describe("frontdesk audit: what it does not do", () => {
  it("against an address where nothing listens: the metadata check fails and every other check is a skip", async () => {
    const issuer = `http://127.0.0.1:${await freePort()}`;
    const { code, report } = await auditCli(issuer, {
      clientId: "any",
      secret: "any",
      redirectUri: "https://app.example.test/cb",
    });
    expect(code).toBe(1);
    expect(check(report, "discovery.metadata")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("ECONNREFUSED"),
    });
    const others = report.checks.filter((c) => c.id !== "discovery.metadata");
    expect(others.length).toBeGreaterThan(30);
    for (const c of others) expect(c.status, c.id).toBe("skip");
  });

  it("a server whose metadata names endpoints nobody answers (its issuer is wrong): those checks skip, saying why", async () => {
    const server = await startTestServer({ issuer: `http://127.0.0.1:${await freePort()}` });
    try {
      const client = await server.client({
        grantTypes: ["authorization_code", "client_credentials"],
        redirectUris: [REDIRECT],
      });
      const { code, report } = await auditCli(server.url, {
        clientId: client.id,
        secret: client.secret,
        redirectUri: REDIRECT,
      });
      expect(code).toBe(1);
      expect(check(report, "discovery.issuer").status).toBe("fail");
      for (const prefix of ["jwks.", "authz.", "signin.", "token.", "refresh."])
        for (const c of group(report, prefix)) {
          expect(c.status, c.id).not.toBe("pass");
          if (c.status === "skip") expect(c.detail, c.id).toMatch(/ECONNREFUSED|no key set/);
        }
      expect(check(report, "authz.redirect-uri").detail).toContain("ECONNREFUSED");
    } finally {
      await server.close();
    }
  });

  it("contacts only the origins it was pointed at: anything else is refused before a request is sent", async () => {
    const prober = new Prober("https://id.example.test");
    await expect(prober.get("https://elsewhere.example.test/")).rejects.toThrow(ProbeError);
    expect(prober.requests).toBe(0);
    prober.allow("https://keys.example.test/jwks");
    expect(prober.isAllowed("https://keys.example.test/other")).toBe(true);
    expect(prober.isAllowed("https://keys.example.test:8443/jwks")).toBe(false);
  });

  it("refuses a malformed target or flags that do not go together, before sending anything", async () => {
    const notUrl = await runCli(["audit", "id.example.test"]);
    expect(notUrl.code).toBe(1);
    expect(notUrl.stderr).toContain('ISSUER_URL must be an http or https URL, got "id.example.test"');
    const noClient = await runCli(
      ["audit", "https://id.example.test", "--client-secret-stdin"],
      {},
      "secret",
    );
    expect(noClient.code).toBe(1);
    expect(noClient.stderr).toContain("--client-secret-stdin needs --client-id");
    const empty = await runCli(
      ["audit", "https://id.example.test", "--client-id", "c", "--client-secret-stdin"],
      {},
      "",
    );
    expect(empty.stderr).toContain("standard input was empty");
  });
});
