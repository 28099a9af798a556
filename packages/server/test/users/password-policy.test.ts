import { describe, expect, it } from "vitest";
import { isCommonPassword, newPasswordProblem } from "../../src/users/password-policy.js";
import { MAX_PASSWORD_LENGTH } from "../../src/users/passwords.js";

const twice = (password: string, username?: string) =>
  newPasswordProblem({ password, confirmation: password, ...(username ? { username } : {}) });

describe("the policy for a password a person chooses", () => {
  it("accepts a long enough, uncommon password typed twice the same", () => {
    expect(twice("correct horse battery staple")).toBeUndefined();
    expect(twice("8 chars!")).toBeUndefined();
    expect(twice(`${"x".repeat(MAX_PASSWORD_LENGTH - 1)}y`)).toBeUndefined();
  });

  it("refuses a missing, short or overlong password, saying the limit", () => {
    expect(newPasswordProblem({ password: undefined, confirmation: undefined })).toBe("Choose a password.");
    expect(twice("7 chars")).toBe("Choose a password of at least 8 characters.");
    expect(twice("y".repeat(MAX_PASSWORD_LENGTH + 1))).toBe(
      `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`,
    );
  });

  it("refuses two different entries", () => {
    expect(newPasswordProblem({ password: "correct horse", confirmation: "correct horsf" })).toBe(
      "The two passwords are not the same.",
    );
  });

  it("refuses the most common passwords in any letter case, and the username", () => {
    for (const common of ["password", "12345678", "iloveyou", "PassWord1", "QWERTYUIOP", "sunshine"]) {
      expect(isCommonPassword(common), common).toBe(true);
      expect(twice(common), common).toMatch(/one of the most common passwords/);
    }
    expect(isCommonPassword("correct horse battery staple")).toBe(false);
    expect(twice("Alice.Lidell", "alice.lidell")).toBe("Choose a password that is not your username.");
  });
});
