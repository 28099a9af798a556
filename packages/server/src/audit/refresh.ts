import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";
import { type Metadata, stringField } from "./metadata.js";
import { ProbeError, type Prober } from "./probe.js";
import {
  type ClientCredentials,
  noStoreCheck,
  type RefreshSource,
  requestToken,
  type TokenAnswer,
} from "./token-endpoint.js";

const ROTATION: CheckSpec = {
  id: "refresh.rotation",
  title: "A refresh gives a new refresh token (rotation)",
  reference: "RFC 9700 §4.14.2, §2.2.2",
};
const REUSE: CheckSpec = {
  id: "refresh.reuse",
  title: "A refresh token once used is refused",
  reference: "RFC 9700 §4.14.2",
};
const NO_STORE: CheckSpec = {
  id: "refresh.no-store",
  title: "Refresh responses say `Cache-Control: no-store`",
  reference: "RFC 6749 §5.1",
};
export const REFRESH_CHECKS = [ROTATION, REUSE, NO_STORE];

export interface RefreshTarget {
  metadata: Metadata;
  client?: ClientCredentials;
  /** The client is confidential (it authenticates): RFC 9700 requires rotation only of public clients. */
  confidential: boolean;
}

function outcome(answer: TokenAnswer): string {
  const error = answer.body?.error;
  return `HTTP ${answer.status}${typeof error === "string" ? ` ${error}` : ""}`;
}

async function reuseCheck(refreshAgain: () => Promise<TokenAnswer>): Promise<Check> {
  let again: TokenAnswer;
  try {
    again = await refreshAgain();
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return skip(REUSE, error.message);
  }
  return again.status === 200
    ? fail(REUSE, "the old refresh token worked again after rotation: a replay goes unnoticed")
    : pass(REUSE, `the old refresh token was refused: ${outcome(again)}`);
}

/**
 * Uses a refresh token once, then presents it again: a server that rotates hands out
 * a new one and refuses the old. The audit only ever refreshes a token it was given
 * for its own client.
 */
export async function auditRefresh(
  prober: Prober,
  target: RefreshTarget,
  source: RefreshSource,
): Promise<Check[]> {
  if ("missing" in source) return skipAll(REFRESH_CHECKS, `no refresh token: ${source.missing}`);
  const refreshToken = source.token;
  const endpoint = stringField(target.metadata, "token_endpoint");
  if (!endpoint || !target.client) return skipAll(REFRESH_CHECKS, "needs a client and a token endpoint");
  const refresh = () =>
    requestToken(prober, endpoint, target.metadata, target.client as ClientCredentials, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    });
  let first: TokenAnswer;
  try {
    first = await refresh();
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return skipAll(REFRESH_CHECKS, error.message);
  }
  if (first.status !== 200) return skipAll(REFRESH_CHECKS, `the refresh was refused: ${outcome(first)}`);
  const next = first.body?.refresh_token;
  if (typeof next !== "string" || next === refreshToken) {
    const detail = `the answer ${typeof next === "string" ? "returned the same refresh token" : "had no new refresh token"}: a stolen copy keeps working`;
    return [
      target.confidential
        ? warn(ROTATION, `${detail} (client authentication still binds it to this client)`)
        : fail(ROTATION, detail),
      ...skipAll([REUSE], "not rotated: nothing to reuse"),
      noStoreCheck(first.cacheControl, NO_STORE),
    ];
  }
  return [
    pass(ROTATION, "a new refresh token came back"),
    await reuseCheck(refresh),
    noStoreCheck(first.cacheControl, NO_STORE),
  ];
}
