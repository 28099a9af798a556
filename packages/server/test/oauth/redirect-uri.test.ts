import { describe, expect, it } from "vitest";
import { redirectUriProblem } from "../../src/oauth/redirect-uri.js";

describe("redirect URI rule at registration (oauth/redirect-uri.ts)", () => {
  it.each([
    "https://app.example.com/callback",
    "https://app.example.com:8443/cb?x=1",
    "http://localhost:8080/callback",
    "http://127.0.0.1/cb",
    "http://[::1]:3000/cb",
    "com.example.app:/callback",
    "com.example.app:/oauth2redirect/example-provider",
    "io.github.someone.tool:/cb",
  ])("accepts %s", (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });

  it("a redirect URI without a scheme is refused, and the message writes it with one", () => {
    expect(redirectUriProblem("localhost:8080/callback")).toBe(
      'redirect URI "localhost:8080/callback" has no scheme: write http://localhost:8080/callback',
    );
    expect(redirectUriProblem("127.0.0.1:8080/cb")).toBe(
      'redirect URI "127.0.0.1:8080/cb" has no scheme: write http://127.0.0.1:8080/cb',
    );
    expect(redirectUriProblem("[::1]:8080/cb")).toMatch(/has no scheme: write http:\/\/\[::1\]:8080\/cb$/);
    expect(redirectUriProblem("app.example.com/callback")).toMatch(
      /has no scheme: write https:\/\/app\.example\.com\/callback$/,
    );
    expect(redirectUriProblem("app.example.com:443/callback")).toMatch(
      /has no scheme: write https:\/\/app\.example\.com:443\/callback$/,
    );
  });

  it.each([
    ["/callback", /is not an absolute URI: write the whole URL/],
    [
      "https://app.example.com/cb#frag",
      /must not contain a fragment: remove "#frag" \(write https:\/\/app\.example\.com\/cb\)/,
    ],
    ["https://app.example.com/cb#", /must not contain a fragment/],
    ["http://app.example.com/cb", /must use https .*: write https:\/\/app\.example\.com\/cb$/],
    ["http://localhost.example.com/cb", /must use https/],
    ["javascript:alert(1)", /forbidden scheme "javascript:"/],
    ["data:text/html,hi", /forbidden scheme "data:"/],
    ["file:///etc/passwd", /forbidden scheme "file:"/],
    ["vbscript:msgbox", /forbidden scheme "vbscript:"/],
    [
      "myapp:/callback",
      /scheme "myapp:", which is neither http\(s\) nor a private-use scheme.*com\.example\.app:\/callback/,
    ],
    ["urn:ietf:wg:oauth:2.0:oob", /scheme "urn:"/],
    ["com.example.app:/cb#x", /fragment/],
  ])("refuses %s, saying why and how to fix it", (uri, message) => {
    expect(redirectUriProblem(uri)).toMatch(message);
  });

  it("names what it checks (post-logout redirect URIs use the same rule)", () => {
    expect(redirectUriProblem("localhost:8080/", "post-logout redirect URI")).toBe(
      'post-logout redirect URI "localhost:8080/" has no scheme: write http://localhost:8080/',
    );
  });
});
