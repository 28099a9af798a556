import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { expect } from "vitest";
import { eventually } from "../../helpers/http.js";

export const LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** How the receiver answers its n-th request (1-based): a status, or never ("hang"). */
export type Behaviour = (n: number) => number | "hang";

/** A relying party's back-channel logout endpoint: a real HTTP server keeping every token it is sent. */
export interface LogoutReceiver {
  uri: string;
  /** Every logout token POSTed, in order (including the attempts answered with an error). */
  received: string[];
  /** Requests that were not a form POST with one `logout_token`. */
  malformed: string[];
  behave(behaviour: Behaviour): void;
  /** Waits until `count` tokens were answered 2xx; returns them. */
  delivered(count?: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (answers 200 unless told otherwise). */
export async function startReceiver(): Promise<LogoutReceiver> {
  let behaviour: Behaviour = () => 200;
  const received: string[] = [];
  const malformed: string[] = [];
  const accepted: string[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const form = new URLSearchParams(body);
      const token = form.get("logout_token");
      const ok =
        request.method === "POST" &&
        request.headers["content-type"] === "application/x-www-form-urlencoded" &&
        form.getAll("logout_token").length === 1;
      if (!ok || !token) {
        malformed.push(`${request.method} ${request.headers["content-type"]} ${body}`);
        response.writeHead(400).end();
        return;
      }
      received.push(token);
      const answer = behaviour(received.length);
      if (answer === "hang") {
        hanging.push(response);
        return;
      }
      if (answer >= 200 && answer < 300) accepted.push(token);
      response.writeHead(answer, { "cache-control": "no-store" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    received,
    malformed,
    behave(next) {
      behaviour = next;
    },
    delivered: (count = 1, timeoutMs = 10_000) =>
      eventually(async () => (accepted.length >= count ? [...accepted] : undefined), timeoutMs),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Verifies a logout token as a relying party must (Back-Channel Logout 1.0 §2.6):
 * signature against the issuer's JWKS, `typ`, `iss`, `aud`, `iat`, `exp`, `jti`, the
 * event, `sid` and `sub`, and no `nonce`. Returns the claims.
 */
export async function verifyLogoutToken(
  token: string,
  expected: { issuer: string; clientId: string; alg?: string; sid?: string; sub?: string },
): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${expected.issuer}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: expected.issuer,
    audience: expected.clientId,
    typ: "logout+jwt",
    algorithms: [expected.alg ?? "RS256"],
    requiredClaims: ["iat", "exp", "jti", "events"],
  });
  expect(decodeProtectedHeader(token).typ).toBe("logout+jwt");
  expect(protectedHeader.alg).toBe(expected.alg ?? "RS256");
  expect(payload.events).toEqual({ [LOGOUT_EVENT]: {} });
  expect(payload).not.toHaveProperty("nonce");
  expect(payload.sid).toBeTypeOf("string");
  expect(payload.sub).toBeTypeOf("string");
  if (expected.sid) expect(payload.sid).toBe(expected.sid);
  if (expected.sub) expect(payload.sub).toBe(expected.sub);
  return payload;
}
