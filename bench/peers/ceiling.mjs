// The ceiling: a bare Fastify server doing only the essential work of the token endpoint
// and of introspection, so Frontdesk can be measured against what the machine allows.
// POST /token: parse the form, Basic client authentication (SHA-256 of the secret compared
//   in constant time with the stored hash), grant_type and scope checked, the same RFC 9068
//   claims signed ES256 with node:crypto, the same JSON answer.
// POST /introspect: parse the form, the same client authentication, the JWT's ES256
//   signature checked with node:crypto, `exp` checked, the claims answered.
// No storage, no logging, no revocation: nothing Frontdesk could leave out.
// Environment: PORT, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET.
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify } from "node:crypto";
import Fastify from "fastify";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.BENCH_CLIENT_ID;
const secretHash = createHash("sha256").update(process.env.BENCH_CLIENT_SECRET).digest();
const SCOPE = "api:read";
const TTL = 600;
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const header = Buffer.from(JSON.stringify({ alg: "ES256", typ: "at+jwt", kid: "ceiling" })).toString(
  "base64url",
);

const app = Fastify({ logger: false });
app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
  done(null, new URLSearchParams(body)),
);

function authenticated(request) {
  const auth = request.headers.authorization ?? "";
  if (!auth.startsWith("Basic ")) return false;
  const decoded = Buffer.from(auth.slice(6), "base64").toString();
  const colon = decoded.indexOf(":");
  if (colon < 0 || decodeURIComponent(decoded.slice(0, colon)) !== clientId) return false;
  const presented = createHash("sha256")
    .update(decodeURIComponent(decoded.slice(colon + 1)))
    .digest();
  return timingSafeEqual(presented, secretHash);
}

const refuse = (reply, status, error) =>
  reply.code(status).header("cache-control", "no-store").send({ error });

app.post("/token", (request, reply) => {
  if (!authenticated(request)) return refuse(reply, 401, "invalid_client");
  const body = request.body;
  if (body.get("grant_type") !== "client_credentials") return refuse(reply, 400, "unsupported_grant_type");
  if ((body.get("scope") ?? SCOPE) !== SCOPE) return refuse(reply, 400, "invalid_scope");
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer,
    sub: clientId,
    aud: `${issuer}/api`,
    exp: iat + TTL,
    iat,
    jti: randomBytes(16).toString("base64url"),
    client_id: clientId,
    scope: SCOPE,
  };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  reply
    .header("cache-control", "no-store")
    .header("pragma", "no-cache")
    .send({
      access_token: `${input}.${signature.toString("base64url")}`,
      token_type: "Bearer",
      expires_in: TTL,
      scope: SCOPE,
    });
});

app.post("/introspect", (request, reply) => {
  if (!authenticated(request)) return refuse(reply, 401, "invalid_client");
  const token = request.body.get("token") ?? "";
  const parts = token.split(".");
  let claims;
  if (parts.length === 3) {
    const valid = verify(
      "sha256",
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(parts[2], "base64url"),
    );
    if (valid) claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  }
  reply.header("cache-control", "no-store");
  if (!claims || claims.exp <= Math.floor(Date.now() / 1000)) return reply.send({ active: false });
  reply.send({ active: true, token_type: "Bearer", ...claims });
});

app.get("/healthz", (_request, reply) => reply.send("ok"));

await app.listen({ port, host: "127.0.0.1" });
const close = () => app.close().finally(() => process.exit(0));
process.once("SIGTERM", close);
process.once("SIGINT", close);
