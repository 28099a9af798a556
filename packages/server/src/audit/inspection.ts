import type { Check } from "./check.js";
import { formatCheck, tally } from "./report.js";
import { moment } from "./time.js";
import { type DecodedToken, decodeToken, lintToken, type TokenKind } from "./token-lint.js";
import { type Verification, verifyWithIssuer } from "./verify.js";

/** What `frontdesk jwt inspect --json` prints. */
export interface Inspection {
  kind: TokenKind;
  verified: boolean;
  verification: Verification | { status: "not checked"; reason: string };
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  checks: Check[];
}

export interface InspectOptions {
  issuer?: string;
  audience?: string;
}

/** Decodes a token, verifies it with its issuer's keys when one is given, and lints it. */
export async function inspectToken(input: string, options: InspectOptions): Promise<Inspection> {
  const decoded: DecodedToken = decodeToken(input);
  const verification = options.issuer
    ? await verifyWithIssuer(decoded.token, {
        issuer: options.issuer,
        ...(options.audience ? { audience: options.audience } : {}),
      })
    : ({
        status: "not checked",
        reason: "give --issuer URL to check the signature with the issuer's keys",
      } as const);
  return {
    kind: decoded.kind,
    verified: verification.status === "verified",
    verification,
    header: decoded.header,
    payload: decoded.payload,
    checks: lintToken(decoded, options),
  };
}

/** Whether the inspection found a reason to refuse the token. */
export function inspectionFailed(inspection: Inspection): boolean {
  return inspection.verification.status === "failed" || inspection.checks.some((c) => c.status === "fail");
}

const indent = (text: string) => text.replace(/^/gm, "  ");

/** The inspection as a person reads it: nothing is called verified unless it was. */
export function formatInspection(inspection: Inspection, now = Math.floor(Date.now() / 1000)): string {
  const label = inspection.verified ? "verified" : "not verified";
  const times = (["iat", "nbf", "exp"] as const)
    .map((claim) => {
      const value = inspection.payload[claim];
      const text = typeof value === "number" ? moment(value, now) : undefined;
      return text ? `${claim} ${text}` : claim === "exp" ? "no exp: it never expires" : "";
    })
    .filter(Boolean);
  const v = inspection.verification;
  const signature =
    v.status === "verified"
      ? `Signature: verified, ${v.reason}`
      : v.status === "failed"
        ? `Signature: NOT VALID (${v.code}): ${v.reason}`
        : `Signature: not verified (${v.reason})`;
  const kind = inspection.kind === "id_token" ? "an ID token" : "an access token";
  return [
    `Header (${label}):`,
    indent(JSON.stringify(inspection.header, null, 2)),
    `Payload (${label}):`,
    indent(JSON.stringify(inspection.payload, null, 2)),
    `Times: ${times.join("; ")}`,
    signature,
    "",
    `Checks, as ${kind}: ${tally(inspection.checks)}`,
    ...inspection.checks.map(formatCheck),
  ].join("\n");
}
