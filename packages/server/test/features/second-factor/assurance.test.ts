import { describe, expect, it } from "vitest";
import { assuranceCheck, personLevel, requestLevel } from "../../../src/features/second-factor/policy.js";
import { decide, type InteractionFacts } from "../../../src/interaction/checks.js";
import {
  ACR,
  acrOf,
  claimedAcr,
  requiredOf,
  satisfies,
  stronger,
  withFactor,
} from "../../../src/oauth/assurance.js";
import type { ClientRecord, UserRecord } from "../../../src/storage/durable/types.js";

describe("assurance levels from authentication methods (oauth/assurance.ts)", () => {
  it.each([
    [["pwd"], ACR.sfa],
    [["fed"], ACR.sfa],
    [["otp"], ACR.sfa],
    [["pwd", "otp"], ACR.mfa],
    [["pwd", "otp", "mfa"], ACR.mfa],
    [["fed", "otp", "mfa"], ACR.mfa],
    [["hwk", "user"], ACR.sfa],
    [["hwk", "user", "mfa"], ACR.phr],
    [["swk", "user", "mfa"], ACR.phr],
    [["pwd", "hwk", "mfa"], ACR.phr],
  ])("%j reaches %s", (amr, level) => {
    expect(acrOf(amr)).toBe(level);
  });

  it("a second factor after a first adds mfa once; the same method twice does not", () => {
    expect(withFactor(["pwd"], ["otp"])).toEqual(["pwd", "otp", "mfa"]);
    expect(withFactor(["pwd", "otp", "mfa"], ["otp"])).toEqual(["pwd", "otp", "mfa"]);
    expect(withFactor(["fed"], ["hwk"])).toEqual(["fed", "hwk", "mfa"]);
    expect(withFactor(["pwd"], ["pwd"])).toEqual(["pwd"]);
  });

  it("a stronger level satisfies a weaker requirement, never the reverse", () => {
    expect(satisfies(ACR.phr, ACR.mfa)).toBe(true);
    expect(satisfies(ACR.mfa, ACR.mfa)).toBe(true);
    expect(satisfies(ACR.mfa, ACR.phr)).toBe(false);
    expect(satisfies(ACR.sfa, ACR.mfa)).toBe(false);
    expect(satisfies(ACR.sfa, undefined)).toBe(true);
    expect(satisfies("urn:other:gold", ACR.sfa)).toBe(false);
  });

  it("acr_values: any listed value is acceptable, so the weakest known one is required; unknown ones are ignored", () => {
    expect(requiredOf([ACR.phr, ACR.mfa])).toBe(ACR.mfa);
    expect(requiredOf(["urn:other:gold", ACR.phr])).toBe(ACR.phr);
    expect(requiredOf(["urn:other:gold"])).toBeUndefined();
    expect(requiredOf(undefined)).toBeUndefined();
    expect(stronger(ACR.mfa, ACR.phr)).toBe(ACR.phr);
    expect(stronger(undefined, ACR.mfa)).toBe(ACR.mfa);
  });

  it("the acr claim is the first requested value the sign-in meets, else its own level", () => {
    expect(claimedAcr(ACR.phr, [ACR.mfa])).toBe(ACR.mfa);
    expect(claimedAcr(ACR.phr, ["urn:other:gold", ACR.phr])).toBe(ACR.phr);
    expect(claimedAcr(ACR.mfa, undefined)).toBe(ACR.mfa);
    expect(claimedAcr(ACR.sfa, [ACR.mfa])).toBe(ACR.sfa);
  });
});

const user = (roles: string[] = []): UserRecord =>
  ({ id: "u1", username: "alice", roles, disabled: false }) as unknown as UserRecord;
const client = (defaultAcrValues?: string[]): ClientRecord =>
  ({
    id: "c1",
    firstParty: true,
    metadata: defaultAcrValues ? { defaultAcrValues } : {},
  }) as unknown as ClientRecord;
const request = (over: Record<string, unknown> = {}) => ({
  clientId: "c1",
  scopes: ["openid"],
  prompt: [] as ("none" | "login" | "consent")[],
  maxAge: null,
  loginHint: null,
  ...over,
});

function facts(amr: string[], over: Partial<InteractionFacts> = {}, req = request()): InteractionFacts {
  return {
    interaction: { id: "i1", kind: "authorization", request: req, createdAt: 0 },
    client: client(),
    session: { sid: "s1", userId: "u1", authTime: 0, amr, acr: acrOf(amr) } as InteractionFacts["session"],
    user: user(),
    grantedScopes: [],
    consentJustGiven: false,
    now: 0,
    ...over,
  };
}

describe("the second-factor policy (features/second-factor/policy.ts)", () => {
  it("the server-wide setting: administrators means people with the admin role, everyone means everyone", () => {
    expect(personLevel(user(), "none")).toBeUndefined();
    expect(personLevel(user(["frontdesk:admin"]), "none")).toBeUndefined();
    expect(personLevel(user(), "administrators")).toBeUndefined();
    expect(personLevel(user(["frontdesk:admin"]), "administrators")).toBe(ACR.mfa);
    expect(personLevel(user(), "everyone")).toBe(ACR.mfa);
  });

  it("a request asks through acr_values, the client's default_acr_values, and (under a requirement) the admin scope", () => {
    expect(requestLevel(request(), client(), "none")).toBeUndefined();
    expect(requestLevel(request({ acrValues: [ACR.phr] }), client(), "none")).toBe(ACR.phr);
    expect(requestLevel(request(), client([ACR.mfa]), "none")).toBe(ACR.mfa);
    // The request cannot ask for less than the client's registered minimum.
    expect(requestLevel(request({ acrValues: [ACR.sfa] }), client([ACR.mfa]), "none")).toBe(ACR.mfa);
    expect(requestLevel(request({ scopes: ["frontdesk:admin"] }), client(), "none")).toBeUndefined();
    expect(requestLevel(request({ scopes: ["frontdesk:admin"] }), client(), "administrators")).toBe(ACR.mfa);
  });

  const check = assuranceCheck("none");
  it("a password-only session asked for mfa goes to the second-factor page (step-up)", () => {
    const result = check.check(facts(["pwd"], {}, request({ acrValues: [ACR.mfa] })));
    expect(result).toMatchObject({ prompt: { name: "second_factor", path: "/login/second-factor" } });
  });

  it("a session that meets the request passes; phishing-resistant is asked only of non-passkey sessions", () => {
    expect(check.check(facts(["pwd", "otp", "mfa"], {}, request({ acrValues: [ACR.mfa] })))).toBeUndefined();
    expect(check.check(facts(["pwd", "otp", "mfa"], {}, request({ acrValues: [ACR.phr] })))).toBeDefined();
    expect(check.check(facts(["hwk", "user", "mfa"], {}, request({ acrValues: [ACR.phr] })))).toBeUndefined();
  });

  it("with prompt=none, a session below the request gets interaction_required, not a page", () => {
    const decision = decide([check], facts(["pwd"], {}, request({ acrValues: [ACR.mfa], prompt: ["none"] })));
    expect(decision).toMatchObject({ next: "error", check: "acr" });
    expect(decision.next === "error" && decision.error.code).toBe("interaction_required");
  });

  it("under `administrators`, an administrator's password-only session steps up even without acr_values", () => {
    const admin = assuranceCheck("administrators");
    expect(admin.check(facts(["pwd"], { user: user(["frontdesk:admin"]) }))).toBeDefined();
    expect(admin.check(facts(["pwd"], { user: user() }))).toBeUndefined();
  });
});
