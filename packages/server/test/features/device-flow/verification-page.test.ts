import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { alertText } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { answerAtDevicePage, deviceClient, newDeviceCode, poll } from "./device-helpers.js";

/** Submits a user code at /device; returns the status and where the browser ended. */
async function enter(server: TestServer, userCode: string, browser = new FormBrowser(server.issuer)) {
  const page = await (await browser.request("/device")).text();
  const { response, url } = await browser.submit(page, { user_code: userCode });
  return { status: response.status, path: new URL(url).pathname, page: await response.text() };
}

describe("the /device verification page", () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer();
    client = await deviceClient(server);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("accepts the user code in lower case, without the dash, or with spaces", async () => {
    for (const variant of [
      (c: string) => c.toLowerCase(),
      (c: string) => c.replace("-", ""),
      (c: string) => ` ${c.slice(0, 2)} ${c.slice(2).toLowerCase()} `,
    ]) {
      const device = await newDeviceCode(server, client);
      const entered = await enter(server, variant(device.user_code));
      expect(entered.path, variant(device.user_code)).toBe("/login");
      expect(entered.page).toContain("Living Room TV");
    }
  });

  it("is a page like the others: never cached, never framed, no scripts", async () => {
    const response = await fetch(`${server.issuer}/device?user_code=%22%3E%3Cscript%3E`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const page = await response.text();
    expect(page).not.toContain("<script>");
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;"');
  });

  it("says a wrong, malformed or expired-looking code is not valid, without starting anything", async () => {
    for (const wrong of ["BCDF-GHJK", "AEIO-U123", "", "x".repeat(40)]) {
      const entered = await enter(server, wrong);
      expect(entered.path).toBe("/device");
      expect(entered.status).toBe(400);
      expect(alertText(entered.page)).toContain("not valid");
    }
  });

  it("refuses a form without its CSRF token", async () => {
    const device = await newDeviceCode(server, client);
    const response = await fetch(`${server.issuer}/device`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ user_code: device.user_code }).toString(),
    });
    expect(response.status).toBe(403);
    expect((await poll(server, client, device.device_code)).json?.error).toBe("authorization_pending");
  });
});

describe("wrong user codes are rate-limited", () => {
  it("per source IP: past the limit even the right code is refused (429)", async () => {
    const server = await startTestServer({ features: { deviceFlow: { userCodeFailuresPerIp: 3 } } });
    try {
      const client = await deviceClient(server);
      const device = await newDeviceCode(server, client);
      const browser = new FormBrowser(server.issuer);
      for (let i = 0; i < 3; i++) expect((await enter(server, "BCDF-GHJK", browser)).status).toBe(400);
      const blocked = await enter(server, device.user_code, browser);
      expect(blocked.status).toBe(429);
      expect(blocked.path).toBe("/device");
      expect(alertText(blocked.page)).toContain("Too many wrong codes");
    } finally {
      await server.close();
    }
  });

  it("overall: many wrong codes from everywhere close the page for everyone for a while", async () => {
    const server = await startTestServer({
      features: { deviceFlow: { userCodeFailuresPerIp: 1000, userCodeFailuresTotal: 25 } },
    });
    try {
      const client = await deviceClient(server);
      const person = await makeUser(server.ctx);
      const device = await newDeviceCode(server, client);
      const statuses = await Promise.all(
        Array.from({ length: 25 }, (_, i) => enter(server, `BCDF-${"GHJKLMNPQRSTVWXZBCDFGHJKL"[i]}BCD`)),
      );
      expect(statuses.every((s) => s.status === 400)).toBe(true);
      const blocked = await answerAtDevicePage(server.issuer, person, device.user_code);
      expect(blocked.status).toBe(429);
      expect((await poll(server, client, device.device_code)).json?.error).toBe("authorization_pending");
    } finally {
      await server.close();
    }
  });
});
