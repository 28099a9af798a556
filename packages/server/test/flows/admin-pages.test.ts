import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { signIn } from "../helpers/sign-in.js";
import { makeUser } from "../helpers/users.js";

describe("administration pages (/admin)", () => {
  let server: TestServer;
  let admin: FormBrowser;

  beforeAll(async () => {
    server = await startTestServer();
    await createUser(server.ctx, {
      username: "chief",
      password: "chief password",
      roles: ["frontdesk:admin"],
    });
    admin = await signIn(server.url, "chief", "chief password");
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const form = (browser: FormBrowser, path: string, body: Record<string, string>) =>
    browser.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body).toString(),
    });

  it("sends people who are not signed in to sign-in, and refuses people without the admin role", async () => {
    const anonymous = await new FormBrowser(server.url).request("/admin");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/login?return_to=%2Fadmin");
    const { username, password } = await makeUser(server.ctx);
    const someone = await signIn(server.url, username, password);
    expect((await someone.request("/admin")).status).toBe(403);
    expect((await form(someone, "/admin/users/disable", { user: "x" })).status).toBe(403);
  });

  it("/admin logs no error on a visit by someone who is not an administrator", async () => {
    const { username, password } = await makeUser(server.ctx);
    const someone = await signIn(server.url, username, password);
    const anonymous = new FormBrowser(server.url);
    expect((await anonymous.request("/admin")).status).toBe(303);
    expect((await someone.request("/admin")).status).toBe(403);
    for (const path of ["/admin/users/revoke", "/admin/users/disable", "/admin/clients/delete"]) {
      expect((await form(anonymous, path, { user: "x", client_id: "x" })).status).toBe(303);
      expect((await form(someone, path, { user: "x", client_id: "x" })).status).toBe(403);
    }
    expect(server.errorLogs()).toEqual([]);
  });

  it("revokes a person everywhere with one form", async () => {
    const { user, username, password } = await makeUser(server.ctx);
    const person = await signIn(server.url, username, password);
    const page = await admin.follow("/admin");
    expect(page.response.status).toBe(200);
    const html = await page.response.text();
    expect(html).toContain(username);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    const answer = await form(admin, "/admin/users/revoke", { csrf, user: user.id });
    expect(answer.status).toBe(303);
    expect((await person.request("/account")).status).toBe(303);
  });

  it("refuses a form without the CSRF token and changes nothing", async () => {
    const { user, username, password } = await makeUser(server.ctx);
    const person = await signIn(server.url, username, password);
    expect((await form(admin, "/admin/users/disable", { user: user.id })).status).toBe(403);
    expect((await server.ctx.durable.users.get(user.id))?.disabled).toBe(false);
    expect((await person.request("/account")).status).toBe(200);
  });

  it("disables a person and deletes an application", async () => {
    const { user } = await makeUser(server.ctx);
    const client = await server.client({ name: "Old app" });
    const html = await (await admin.follow("/admin")).response.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    expect((await form(admin, "/admin/users/disable", { csrf, user: user.id })).status).toBe(303);
    expect((await server.ctx.durable.users.get(user.id))?.disabled).toBe(true);
    expect((await form(admin, "/admin/clients/delete", { csrf, client_id: client.id })).status).toBe(303);
    expect(await server.ctx.durable.clients.get(client.id)).toBeUndefined();
  });
});
