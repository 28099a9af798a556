import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { newOpaqueToken } from "../tokens/opaque.js";
import { type CookieNames, readCookie, setCsrfCookie } from "./cookies.js";

/**
 * CSRF protection for every form: the signed double-submit pattern (OWASP). A
 * random HttpOnly cookie, and in each form an HMAC of it under a server key; a
 * post is accepted only when the two match. SameSite=Lax cookies add a second wall.
 */
export class Csrf {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly names: CookieNames,
  ) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "frontdesk", "csrf/v1", 32));
  }

  /** The form token for this browser, setting the cookie when it has none. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    let cookie = readCookie(request, this.names.csrf);
    if (!cookie || cookie.length > 128) {
      cookie = newOpaqueToken();
      setCsrfCookie(reply, this.names, cookie);
      request.cookies[this.names.csrf] = cookie;
    }
    return this.sign(cookie);
  }

  /** Whether a posted form token matches this browser's cookie. */
  valid(request: FastifyRequest, formToken: string | undefined): boolean {
    const cookie = readCookie(request, this.names.csrf);
    if (!cookie || !formToken) return false;
    const expected = Buffer.from(this.sign(cookie));
    const given = Buffer.from(formToken);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(value: string): string {
    return createHmac("sha256", this.key).update(value).digest("base64url");
  }
}
