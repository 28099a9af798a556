import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, clientCredentialsToken } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  /** Printable Latin-1 (what an HTTP header value may carry), without DEL. */
  const latin1 = (n: number) =>
    Array.from({ length: n }, () => {
      const c = 32 + int(223);
      return String.fromCharCode(c >= 127 ? c + 1 : c);
    }).join("");
  return { next, int, pick, bytes, latin1 };
}

const STACK_LINE = /\n\s+at [^\n]+[(:]\d+/;
const SEED = Number(process.env.FUZZ_SEED ?? 20240917);
const CASES_PER_ENDPOINT = 150;

/** node:http rather than fetch: it sends Latin-1 header values fetch refuses. */
function send(url: string, headers: Record<string, string>, body: string | Uint8Array | undefined) {
  return new Promise<{ status: number; cache: string | undefined; text: string }>((resolve) => {
    const req = httpRequest(url, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, cache: res.headers["cache-control"], text }),
      );
    });
    // The server may answer an oversized body early and close while we still write: status 0.
    req.on("error", (error) => resolve({ status: 0, cache: undefined, text: String(error) }));
    req.end(body);
  });
}

describe("bad input never yields a 5xx or a stack trace (fuzz)", () => {
  let server: TestServer;
  let good: { id: string; secret: string };
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    good = await server.client({ scopes: "read write" });
    token = await clientCredentialsToken(server, good);
  });
  afterAll(() => server.close());

  /** `essential`: a parameter the endpoint needs, added to half the forms so they get past the first checks. */
  function randomRequest(r: ReturnType<typeof prng>, essential: [string, string]) {
    const values = () =>
      r.pick([
        good.id,
        good.secret,
        token,
        `${token}x`,
        "client_credentials",
        "authorization_code",
        "refresh_token",
        "read write",
        "read admin",
        "https://evil.example.com",
        `${server.issuer}/api`,
        "",
        "%",
        "%zz",
        "\u0000",
        "é😀\u202e",
        "null",
        "[]",
        "{}",
        "x".repeat(r.int(20_000)),
        r.latin1(r.int(200)),
        String(r.next() * 1e308),
      ]);
    const keys = [
      "grant_type",
      "scope",
      "resource",
      "client_id",
      "client_secret",
      "token",
      "token_type_hint",
      "client_assertion",
      "client_assertion_type",
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "",
      r.latin1(8),
    ];
    const form = () => {
      const params = new URLSearchParams(r.next() < 0.5 ? [essential] : []);
      const n = r.int(8);
      for (let i = 0; i < n; i++) params.append(r.pick(keys), values());
      return params.toString();
    };
    const body = r.pick([
      form,
      form,
      form,
      () => r.bytes(r.int(3000)),
      () => r.pick(["&&&==", "%", "a=%ZZ&b", "=", "grant_type", "\u0000\u0001", "a=1;b=2", "&".repeat(5000)]),
      () => JSON.stringify({ grant_type: values(), nested: { deep: [values(), { x: values() }] } }),
      () => r.pick(["null", "1", '"str"', '{"__proto__":{"polluted":1}}', "[", "{", '{"a":'.repeat(500)]),
      () => `${form()}&${"y".repeat(70 * 1024)}`,
      () => undefined,
    ])();
    const contentType = r.pick([
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=utf-8",
      "Application/X-WWW-Form-Urlencoded",
      'application/x-www-form-urlencoded; charset="',
      "application/json",
      "text/plain",
      "multipart/form-data; boundary=zzz",
      "application/x-www-form-urlencodedx",
      "*/*",
      r.latin1(20),
      undefined,
    ]);
    const authorization = r.pick([
      undefined,
      undefined,
      basic(good.id, good.secret),
      basic(good.id, "wrong"),
      `Basic ${Buffer.from(r.bytes(r.int(60))).toString("base64")}`,
      `Basic ${r.latin1(r.int(80))}`,
      "Basic",
      "Basic ====",
      `Basic ${Buffer.from(":").toString("base64")}`,
      `Bearer ${token}`,
      `Bearer ${r.latin1(30)}`,
      `DPoP ${token}`,
      r.latin1(r.int(100)),
      `Basic ${"A".repeat(r.int(12_000))}`,
    ]);
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers["content-type"] = contentType.trim();
    if (authorization !== undefined) headers.authorization = authorization.trim();
    return { body, headers };
  }

  it.each(["/token", "/introspect", "/revoke"])(
    `${CASES_PER_ENDPOINT} random requests to %s: status < 500, no stack trace, no-store`,
    async (path) => {
      const r = prng(SEED + path.length);
      const essential: [string, string] =
        path === "/token" ? ["grant_type", "client_credentials"] : ["token", token];
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let batch = 0; batch < CASES_PER_ENDPOINT / 10; batch++) {
        const cases = Array.from({ length: 10 }, () => randomRequest(r, essential));
        const results = await Promise.all(
          cases.map(async (c) => {
            const res = await send(`${server.issuer}${path}`, c.headers, c.body);
            return { c, ...res };
          }),
        );
        for (const { c, status, cache, text } of results) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const size =
            c.body === undefined ? 0 : typeof c.body === "string" ? Buffer.byteLength(c.body) : c.body.length;
          const problem =
            status === 0 && size <= 64 * 1024
              ? `no answer (${text})`
              : status === 0
                ? undefined
                : status >= 500
                  ? `status ${status}`
                  : STACK_LINE.test(text) || /node_modules|\/src\/|Error:/.test(text)
                    ? "internals in body"
                    : cache !== "no-store"
                      ? `cache-control ${cache}`
                      : undefined;
          if (problem)
            failures.push(
              `${problem}: headers=${JSON.stringify(c.headers).slice(0, 200)} body=${String(c.body).slice(0, 200)} -> ${text.slice(0, 300)}`,
            );
        }
      }
      expect(failures, `seed ${SEED}`).toEqual([]);
      // The inputs reach past the parser: both request errors and client-authentication errors occur.
      expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 401]));
      if (process.env.FUZZ_DEBUG) console.log(path, Object.fromEntries(statuses));
    },
  );

  it("malformed HTTP on the wire is refused with a 4xx (or a closed connection), never a 5xx", async () => {
    const host = new URL(server.issuer);
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(host.port), host.hostname, () => socket.end(request));
        let data = "";
        socket.on("data", (d) => {
          data += d;
        });
        socket.on("close", () => resolve(data));
        socket.on("error", () => resolve(data));
        socket.setTimeout(3000, () => socket.destroy());
      });
    const form = "grant_type=client_credentials";
    const requests = [
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999999999999\r\n\r\n${form}`,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n${form}`,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${form}\r\n0\r\n\r\n`,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Type: application/json\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
      `POST /introspect HTTP/1.1\r\nHost: x\r\nAuthorization: Basic a\r\nAuthorization: Basic b\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\ntoken=x`,
      `POST /revoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\ntoken=xyz`,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n${form}`,
      `POST /token?grant_type=client_credentials&grant_type=x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      `POST /%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      `GARBAGE\r\n\r\n`,
    ];
    for (const request of requests) {
      const response = await raw(request);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      expect(status, `${JSON.stringify(request.slice(0, 120))} -> ${response.slice(0, 200)}`).toBeLessThan(
        500,
      );
      expect(response).not.toMatch(STACK_LINE);
    }
  });

  it("the server still serves after all of it", async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    const fresh = await clientCredentialsToken(server, good);
    expect(fresh.split(".")).toHaveLength(3);
  });
});
