import { jwtVerify } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyJwt } from "../src/jws-signature.js";
import { ALGORITHMS, attackCases, type CorpusCase, generatedCases } from "./fixtures/jws-corpus.js";

type Outcome = { accepted: true; payload: unknown } | { accepted: false; code: string; claim?: string };

/** What a verification decided: the claims it accepted, or the kind of error it refused with. */
async function outcome(run: () => Promise<{ payload: unknown }>): Promise<Outcome> {
  try {
    return { accepted: true, payload: (await run()).payload };
  } catch (err) {
    const e = err as Error & { code?: string; claim?: string };
    return { accepted: false, code: e.code ?? e.name, ...(e.claim ? { claim: e.claim } : {}) };
  }
}

let cases: CorpusCase[];
beforeAll(async () => {
  cases = [...(await attackCases()), ...(await generatedCases())];
});
afterEach(() => vi.restoreAllMocks());

describe("the guard's node:crypto signature check decides as jose's jwtVerify", () => {
  it("on every attack token and every generated token", async () => {
    const differences = [];
    for (const c of cases) {
      const jose = await outcome(() => jwtVerify(c.token, c.getKey, c.options));
      const ours = await outcome(() => verifyJwt(c.token, c.getKey, c.options));
      if (JSON.stringify(ours) !== JSON.stringify(jose)) differences.push({ case: c.name, jose, ours });
    }
    expect(differences).toEqual([]);
  });

  it("the corpus accepts and refuses (it tests both answers)", async () => {
    const accepted = [];
    for (const c of cases)
      if ((await outcome(() => verifyJwt(c.token, c.getKey, c.options))).accepted) accepted.push(c.name);
    for (const alg of ALGORITHMS) expect(accepted).toContain(`${alg} valid`);
    expect(accepted).toContain("attack: control");
    expect(accepted).not.toContain("ES256 DER signature");
    expect(accepted.length).toBeLessThan(cases.length / 3);
  });

  it("jose accepts the high-S twin of an ECDSA signature (WebCrypto does not enforce low S), and so does the module", async () => {
    const c = cases.find((x) => x.name === "ES256 high-S signature") as CorpusCase;
    expect((await outcome(() => jwtVerify(c.token, c.getKey, c.options))).accepted).toBe(true);
    expect((await outcome(() => verifyJwt(c.token, c.getKey, c.options))).accepted).toBe(true);
  });

  it.each(ALGORITHMS)("checks a valid %s token without jose's WebCrypto verify", async (alg) => {
    const c = cases.find((x) => x.name === `${alg} valid`) as CorpusCase;
    const subtle = vi.spyOn(globalThis.crypto.subtle, "verify");
    await verifyJwt(c.token, c.getKey, c.options);
    expect(subtle).not.toHaveBeenCalled();
    await jwtVerify(c.token, c.getKey, c.options);
    expect(subtle).toHaveBeenCalledOnce();
  });
});
