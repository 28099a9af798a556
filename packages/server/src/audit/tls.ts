import { isIP } from "node:net";
import { connect, type PeerCertificate } from "node:tls";
import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";

const VERSION: CheckSpec = {
  id: "tls.version",
  title: "TLS 1.2 or newer",
  reference: "RFC 9325 §3.1.1; RFC 8996",
};
const CERTIFICATE: CheckSpec = {
  id: "tls.certificate",
  title: "A valid certificate for the host",
  reference: "RFC 9525 §6; RFC 6749 §1.6",
};
const HSTS: CheckSpec = {
  id: "tls.hsts",
  title: "Strict-Transport-Security with a long max-age",
  reference: "RFC 6797 §6.1, §6.1.1",
};
export const TLS_CHECKS = [VERSION, CERTIFICATE, HSTS];

const ONE_YEAR = 31_536_000;
const TWO_WEEKS_MS = 14 * 86_400_000;
const TIMEOUT_MS = 10_000;

interface Handshake {
  protocol: string | null;
  authorized: boolean;
  authorizationError?: string;
  certificate?: PeerCertificate;
}

/** One TLS handshake with the issuer's host (the same trust store as the rest of the audit), then closed. */
function handshake(host: string, port: number): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    // SNI carries host names only (RFC 6066 §3), never an address.
    const sni = isIP(host) === 0 ? { servername: host } : {};
    const socket = connect({ host, port, ...sni, rejectUnauthorized: false, timeout: TIMEOUT_MS });
    socket.once("secureConnect", () => {
      const result: Handshake = {
        protocol: socket.getProtocol(),
        authorized: socket.authorized,
        certificate: socket.getPeerCertificate(),
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
      };
      socket.end();
      resolve(result);
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${host}:${port} in ${TIMEOUT_MS / 1000} s`));
    });
    socket.once("error", reject);
  });
}

function versionCheck(protocol: string | null): Check {
  if (protocol === "TLSv1.3" || protocol === "TLSv1.2") return pass(VERSION, `negotiated ${protocol}`);
  return fail(VERSION, `negotiated ${protocol ?? "an unknown protocol"}: TLS 1.0 and 1.1 are deprecated`);
}

function certificateCheck(result: Handshake, now: number): Check {
  if (!result.authorized)
    return fail(CERTIFICATE, `not trusted: ${result.authorizationError ?? "unknown reason"}`);
  const validTo = result.certificate?.valid_to ? Date.parse(result.certificate.valid_to) : Number.NaN;
  const subject = result.certificate?.subject?.CN ?? "the host";
  if (Number.isFinite(validTo) && validTo - now < TWO_WEEKS_MS)
    return warn(CERTIFICATE, `trusted, for ${subject}, but it expires ${new Date(validTo).toISOString()}`);
  return pass(CERTIFICATE, `trusted, for ${subject}, valid until ${result.certificate?.valid_to ?? "?"}`);
}

/** Strict-Transport-Security as RFC 6797 §6.1 writes it: max-age=N; includeSubDomains; preload. */
function hstsCheck(header: string | null | undefined): Check {
  if (!header)
    return warn(
      HSTS,
      "no Strict-Transport-Security: a first visit over http can be intercepted (SSL stripping)",
    );
  const maxAge = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header)?.[1];
  if (maxAge === undefined) return fail(HSTS, `${header}: no max-age, so browsers ignore it`);
  const seconds = Number(maxAge);
  if (seconds === 0) return fail(HSTS, `${header}: max-age=0 switches HSTS off`);
  if (seconds < ONE_YEAR) return warn(HSTS, `${header}: max-age under a year`);
  return pass(HSTS, header);
}

/**
 * TLS checks for an https issuer: the protocol and certificate of one handshake, and
 * the HSTS header of the metadata answer (`headers`: undefined when there was none).
 */
export async function auditTls(issuer: string, headers: Headers | undefined): Promise<Check[]> {
  const url = new URL(issuer);
  if (url.protocol !== "https:")
    return skipAll(TLS_CHECKS, "the issuer is not https: there is no TLS to check");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let result: Handshake;
  try {
    result = await handshake(host, Number(url.port || 443));
  } catch (error) {
    return [fail(VERSION, (error as Error).message), ...skipAll([CERTIFICATE, HSTS], "no TLS connection")];
  }
  return [
    versionCheck(result.protocol),
    certificateCheck(result, Date.now()),
    headers
      ? hstsCheck(headers.get("strict-transport-security"))
      : skip(HSTS, "no answer from the server to read it from"),
  ];
}
