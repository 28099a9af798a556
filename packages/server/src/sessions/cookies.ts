import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";

export interface CookieNames {
  session: string;
  csrf: string;
  /** Marks a browser that signed in before (sign-in throttling skips its account-wide limits). */
  device: string;
  /** A sign-in waiting for its second factor (the first factor is done, no session yet). */
  held: string;
  /** A WebAuthn ceremony waiting for the browser's answer (features/passkeys). */
  passkey: string;
  secure: boolean;
}

/** `__Host-` names (Secure, Path=/, no Domain) whenever the issuer is https. */
export function cookieNames(issuer: string): CookieNames {
  const secure = issuer.startsWith("https://");
  const prefix = secure ? "__Host-" : "";
  return {
    session: `${prefix}frontdesk_session`,
    csrf: `${prefix}frontdesk_csrf`,
    device: `${prefix}frontdesk_device`,
    held: `${prefix}frontdesk_held`,
    passkey: `${prefix}frontdesk_passkey`,
    secure,
  };
}

function baseOptions(names: CookieNames) {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: names.secure };
}

export function setSessionCookie(
  reply: FastifyReply,
  names: CookieNames,
  token: string,
  maxAge: number,
): void {
  reply.setCookie(names.session, token, { ...baseOptions(names), maxAge });
}

export function clearSessionCookie(reply: FastifyReply, names: CookieNames): void {
  reply.clearCookie(names.session, baseOptions(names));
}

/** A short-lived cookie naming a pending step (a held sign-in, a passkey ceremony). */
export function setStepCookie(
  reply: FastifyReply,
  names: CookieNames,
  which: "held" | "passkey",
  token: string,
  maxAge: number,
): void {
  reply.setCookie(names[which], token, { ...baseOptions(names), maxAge });
}

export function clearStepCookie(reply: FastifyReply, names: CookieNames, which: "held" | "passkey"): void {
  reply.clearCookie(names[which], baseOptions(names));
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const value = request.cookies[name];
  return value === undefined || value === "" ? undefined : value;
}

export function setCsrfCookie(reply: FastifyReply, names: CookieNames, value: string): void {
  reply.setCookie(names.csrf, value, baseOptions(names));
}

export function setDeviceCookie(
  reply: FastifyReply,
  names: CookieNames,
  value: string,
  maxAge: number,
): void {
  reply.setCookie(names.device, value, { ...baseOptions(names), maxAge });
}
