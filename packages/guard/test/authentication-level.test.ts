import { describe, expect, it } from "vitest";
import { checkAuthentication } from "../src/authenticate.js";
import {
  type AuthenticationRequirement,
  assertAuthentication,
  authenticationRequirement,
  authenticationShortfall,
  FRONTDESK_ACR,
  GuardError,
} from "../src/index.js";
import { parseChallenges } from "./fixtures/challenges.js";

const { sfa, mfa, phr } = FRONTDESK_ACR;
const NOW = 1_700_000_000; // the clock every maxAge case is aged against
const OTHER_GOLD = "urn:example:acr:gold";

function refusal(claims: Record<string, unknown>, requirement: AuthenticationRequirement): GuardError {
  try {
    assertAuthentication(claims, requirement, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(GuardError);
    return err as GuardError;
  }
  throw new Error("the requirement was met");
}

describe("Frontdesk acr values", () => {
  it("are the three URNs the server issues", () => {
    expect(FRONTDESK_ACR).toEqual({
      sfa: "urn:frontdesk:acr:sfa",
      mfa: "urn:frontdesk:acr:mfa",
      phr: "urn:frontdesk:acr:phr",
    });
    expect(Object.isFrozen(FRONTDESK_ACR)).toBe(true);
  });

  // [token acr, required acr, met]: a stronger level satisfies a weaker requirement, never the reverse.
  const ranks: [string, string, boolean][] = [
    [sfa, sfa, true],
    [sfa, mfa, false],
    [sfa, phr, false],
    [mfa, sfa, true],
    [mfa, mfa, true],
    [mfa, phr, false],
    [phr, sfa, true],
    [phr, mfa, true],
    [phr, phr, true],
  ];
  it.each(ranks)("a token with %s against a requirement of %s: met %s", (actual, required, met) => {
    const shortfall = authenticationShortfall({ acr: actual }, { acr: [required] }, NOW);
    expect(shortfall).toEqual(met ? undefined : { acr: true, amr: [], maxAge: false });
  });

  it("are met when any one of the acceptable values is", () => {
    expect(authenticationShortfall({ acr: mfa }, { acr: [phr, mfa] }, NOW)).toBeUndefined();
    expect(authenticationShortfall({ acr: OTHER_GOLD }, { acr: [phr, OTHER_GOLD] }, NOW)).toBeUndefined();
    expect(authenticationShortfall({ acr: sfa }, { acr: [phr, OTHER_GOLD] }, NOW)?.acr).toBe(true);
  });

  it("compare other issuers' values exactly, never by rank", () => {
    const unmet = (actual: unknown, required: string) =>
      authenticationShortfall({ acr: actual }, { acr: [required] }, NOW)?.acr === true;
    expect(unmet(OTHER_GOLD, OTHER_GOLD)).toBe(false);
    expect(unmet(OTHER_GOLD, sfa)).toBe(true); // an unknown value is not a Frontdesk level
    expect(unmet(phr, OTHER_GOLD)).toBe(true); // nor does the strongest level meet an unknown one
    expect(unmet("urn:example:acr:GOLD", OTHER_GOLD)).toBe(true);
    expect(unmet("URN:FRONTDESK:ACR:PHR", sfa)).toBe(true);
    expect(unmet(`${phr}:extra`, sfa)).toBe(true);
    expect(unmet("0", "0")).toBe(false);
  });

  it("are unmet by a token without a string acr", () => {
    for (const acr of [undefined, null, 3, [phr], { value: phr }]) {
      expect(authenticationShortfall({ acr }, { acr: [sfa] }, NOW)?.acr).toBe(true);
    }
  });
});

describe("required amr methods", () => {
  it("must all be in the token's amr array", () => {
    const claims = { amr: ["pwd", "otp", "mfa"] };
    expect(authenticationShortfall(claims, { amr: ["otp", "pwd"] }, NOW)).toBeUndefined();
    expect(authenticationShortfall(claims, { amr: ["hwk", "otp", "swk"] }, NOW)).toEqual({
      acr: false,
      amr: ["hwk", "swk"],
      maxAge: false,
    });
  });

  it("are all missing from a token whose amr is absent or not an array", () => {
    for (const amr of [undefined, "otp", { 0: "otp" }, null]) {
      expect(authenticationShortfall({ amr }, { amr: ["otp"] }, NOW)?.amr).toEqual(["otp"]);
    }
    expect(authenticationShortfall({ amr: [["otp"]] }, { amr: ["otp"] }, NOW)?.amr).toEqual(["otp"]);
  });
});

describe("maxAge", () => {
  it("accepts a sign-in up to maxAge seconds old, and refuses an older one", () => {
    expect(authenticationShortfall({ auth_time: NOW }, { maxAge: 300 }, NOW)).toBeUndefined();
    expect(authenticationShortfall({ auth_time: NOW - 300 }, { maxAge: 300 }, NOW)).toBeUndefined();
    expect(authenticationShortfall({ auth_time: NOW - 301 }, { maxAge: 300 }, NOW)).toEqual({
      acr: false,
      amr: [],
      maxAge: true,
    });
    expect(authenticationShortfall({ auth_time: NOW }, { maxAge: 0 }, NOW)).toBeUndefined();
    expect(authenticationShortfall({ auth_time: NOW - 1 }, { maxAge: 0 }, NOW)?.maxAge).toBe(true);
  });

  it("refuses a token without a numeric auth_time", () => {
    for (const auth_time of [undefined, String(NOW), null, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(authenticationShortfall({ auth_time }, { maxAge: 3600 }, NOW)?.maxAge).toBe(true);
    }
  });

  it("ages auth_time against the system clock by default", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(authenticationShortfall({ auth_time: now }, { maxAge: 3600 })).toBeUndefined();
    expect(authenticationShortfall({ auth_time: now - 7200 }, { maxAge: 3600 })?.maxAge).toBe(true);
  });
});

describe("a whole requirement", () => {
  it("is met only when every member is, and an empty one by any token", () => {
    const requirement = { acr: [mfa], amr: ["hwk"], maxAge: 600 };
    const strong = { acr: phr, amr: ["hwk", "user"], auth_time: NOW - 60 };
    expect(authenticationShortfall(strong, requirement, NOW)).toBeUndefined();
    expect(authenticationShortfall({}, requirement, NOW)).toEqual({ acr: true, amr: ["hwk"], maxAge: true });
    expect(authenticationShortfall({ ...strong, auth_time: NOW - 601 }, requirement, NOW)).toEqual({
      acr: false,
      amr: [],
      maxAge: true,
    });
    expect(authenticationShortfall({}, {}, NOW)).toBeUndefined();
  });

  it("is refused with insufficient_user_authentication, 401, and the first unmet member as reason", () => {
    const acr = refusal({ acr: sfa }, { acr: [mfa], amr: ["otp"], maxAge: 300 });
    expect([acr.code, acr.status, acr.reason]).toEqual([
      "insufficient_user_authentication",
      401,
      "acr_insufficient",
    ]);
    expect(acr.description).toBe(
      "a stronger sign-in is required; sign-in methods required: otp; a more recent sign-in is required",
    );
    const amr = refusal({ acr: phr, amr: ["hwk"], auth_time: NOW }, { acr: [mfa], amr: ["hwk", "otp"] });
    expect([amr.reason, amr.description]).toEqual(["amr_missing", "sign-in methods required: otp"]);
    const old = refusal({ acr: phr, auth_time: NOW - 400 }, { acr: [mfa], maxAge: 300 });
    expect([old.reason, old.description]).toEqual(["auth_too_old", "a more recent sign-in is required"]);
    expect(old.toJSON()).toEqual({
      error: "insufficient_user_authentication",
      error_description: "a more recent sign-in is required",
    });
  });

  it("answers a request that no guard accepted with invalid_token, not a step-up", () => {
    let err: unknown;
    try {
      checkAuthentication({}, undefined, { acr: [mfa] });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "invalid_token", reason: "token_missing", status: 401 });
  });
});

describe("the step-up challenge (RFC 9470 section 3)", () => {
  it("carries error, error_description, acr_values and max_age", () => {
    const err = refusal({ acr: sfa, auth_time: NOW }, { acr: [mfa, phr], maxAge: 300 }).withRealm("api");
    expect(err.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="a stronger sign-in is required", ' +
        `acr_values="${mfa} ${phr}", max_age="300"`,
    );
    expect([err.acrValues, err.maxAge]).toEqual([[mfa, phr], 300]);
  });

  it("names only the parameters the requirement has", () => {
    const params = (claims: Record<string, unknown>, requirement: AuthenticationRequirement) =>
      parseChallenges(refusal(claims, requirement).wwwAuthenticate).map((c) => [c.scheme, c.params]);
    expect(params({ acr: sfa }, { acr: [mfa] })).toEqual([
      [
        "Bearer",
        {
          error: "insufficient_user_authentication",
          error_description: "a stronger sign-in is required",
          acr_values: mfa,
        },
      ],
    ]);
    expect(params({}, { maxAge: 0 })).toEqual([
      [
        "Bearer",
        {
          error: "insufficient_user_authentication",
          error_description: "a more recent sign-in is required",
          max_age: "0",
        },
      ],
    ]);
    // RFC 9470 has no amr parameter: the description names the missing methods.
    expect(params({ amr: ["pwd"] }, { amr: ["pwd", "otp", "hwk"] })).toEqual([
      [
        "Bearer",
        {
          error: "insufficient_user_authentication",
          error_description: "sign-in methods required: otp hwk",
        },
      ],
    ]);
  });

  it("puts the error on the DPoP challenge for a DPoP request, and keeps it through withChallenge", () => {
    const err = refusal({ acr: sfa, auth_time: NOW - 60 }, { acr: [phr], maxAge: 60 }).withChallenge({
      realm: "api",
      dpopAlgorithms: ["ES256"],
      scheme: "DPoP",
    });
    expect(parseChallenges(err.wwwAuthenticate)).toEqual([
      { scheme: "Bearer", params: { realm: "api" } },
      {
        scheme: "DPoP",
        params: {
          realm: "api",
          algs: "ES256",
          error: "insufficient_user_authentication",
          error_description: "a stronger sign-in is required",
          acr_values: phr,
          max_age: "60",
        },
      },
    ]);
  });

  it("cannot be bent by quotes, backslashes, CR or LF in the values it names", () => {
    const hostile = ['x", error="none', "a\\", "v\r\nSet-Cookie: session=stolen", "é"];
    const err = new GuardError("insufficient_user_authentication", {
      reason: "acr_insufficient",
      description: 'step up"\r\nX-Injected: 1',
      acrValues: hostile,
      realm: "api",
    });
    const header = err.wwwAuthenticate;
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    expect(parseChallenges(header)).toEqual([
      {
        scheme: "Bearer",
        params: {
          realm: "api",
          error: "insufficient_user_authentication",
          error_description: 'step up"??X-Injected: 1',
          acr_values: 'x", error="none a\\ v??Set-Cookie: session=stolen ?',
        },
      },
    ]);
  });

  it("never echoes the token's own acr or amr", () => {
    const header = refusal(
      { acr: 'evil"\r\nX: 1', amr: ['evil"'] },
      { acr: [mfa], amr: ["otp"] },
    ).wwwAuthenticate;
    expect(header).not.toContain("evil");
  });
});

describe("authenticationRequirement", () => {
  it("returns a frozen copy of a valid requirement", () => {
    const acr = [mfa, OTHER_GOLD];
    const requirement = authenticationRequirement({ acr, amr: ["otp"], maxAge: 0 });
    expect(requirement).toEqual({ acr: [mfa, OTHER_GOLD], amr: ["otp"], maxAge: 0 });
    acr.push(sfa);
    expect(requirement.acr).toEqual([mfa, OTHER_GOLD]);
    expect(Object.isFrozen(requirement) && Object.isFrozen(requirement.acr)).toBe(true);
    expect(authenticationRequirement({})).toEqual({});
  });

  it("refuses a malformed requirement with a TypeError", () => {
    const bad: unknown[] = [
      null,
      "urn:frontdesk:acr:mfa",
      [mfa],
      { acr: mfa },
      { acr: [] },
      { acr: [""] },
      { acr: ["two words"] },
      { acr: ['quo"te'] },
      { acr: ["back\\slash"] },
      { acr: ["line\nfeed"] },
      { acr: [3] },
      { amr: "otp" },
      { amr: ["otp", "o tp"] },
      { maxAge: -1 },
      { maxAge: 1.5 },
      { maxAge: "300" },
      { maxAge: Number.POSITIVE_INFINITY },
      { max_age: 300 },
      { acr: [mfa], acrValues: [phr] },
    ];
    for (const value of bad) {
      expect(
        () => authenticationRequirement(value as AuthenticationRequirement),
        JSON.stringify(value),
      ).toThrow(TypeError);
    }
  });
});
