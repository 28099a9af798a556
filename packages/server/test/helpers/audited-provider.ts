import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll } from "vitest";
import { tempDir } from "./server.js";
import { memoryAdapter } from "./upstream-oidc.js";

/** Two deployments of node-oidc-provider 9: one configured as badly as it allows, one hardened. */
export type Profile = "weak" | "strong";

export interface AuditedProvider {
  issuer: string;
  /** The self-signed certificate its https listener uses: trust it with NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  client: { id: string; secret: string; redirectUri: string };
  /** The API its access tokens are for (RFC 8707 resource). */
  resource: string;
  /** Every request it received (method and path), oldest first. */
  received: { method: string; path: string }[];
  /** The most requests it was ever answering at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export const RESOURCE = "https://api.example.test/";
const REDIRECT_URI = "https://client.example.test/callback";

/** A certificate for 127.0.0.1 made by the system's openssl (Debian's openssl package). */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer; file: string } {
  const dir = tempDir("frontdesk-audit-tls-");
  const key = join(dir, "key.pem");
  const file = join(dir, "cert.pem");
  try {
    // biome-ignore format: one openssl option per line
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", key, "-out", file, "-days", "30", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1",
    ], { stdio: "ignore" });
  } catch (error) {
    throw new Error(
      `openssl could not make a test certificate (${(error as Error).message}): the audit tests need Debian's openssl. Run \`bash scripts/test-prerequisites.sh\` (as root it installs it).`,
    );
  }
  return { key: readFileSync(key), cert: readFileSync(file), file };
}

async function signingKey(alg: "RS256" | "ES256") {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `${alg.toLowerCase()}-1`, use: "sig", alg };
}

/** A 1024-bit RSA key without `alg`, as old deployments still publish (jose refuses to make one). */
function legacyRsaKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return { ...privateKey.export({ format: "jwk" }), kid: "legacy-rsa-1024", use: "sig" };
}

/**
 * What each profile changes. Weak: long-lived HS256 access tokens with personal data,
 * PKCE optional, implicit and hybrid response types, refresh tokens not rotated, a
 * 1024-bit key without `alg` published, no security headers. node-oidc-provider 9
 * cannot be configured to allow `plain` PKCE or the `none` algorithm at all.
 * Strong: ES256 10-minute tokens, PKCE required, code only, rotation, and the
 * headers a hardened deployment adds in front (HSTS, framing, CSP).
 */
async function profileConfiguration(profile: Profile) {
  if (profile === "weak")
    return {
      keys: [await signingKey("RS256"), legacyRsaKey()],
      responseTypes: ["code", "id_token", "code id_token", "id_token token", "code id_token token", "none"],
      grantTypes: ["authorization_code", "implicit", "client_credentials", "refresh_token"],
      pkceRequired: false,
      rotateRefreshToken: false,
      accessTokenTtl: 24 * 3600,
      jwtSign: { alg: "HS256", key: "one-shared-secret-every-service-holds-0123456789" },
      extraTokenClaims: { email: "reports-owner@example.test", name: "Reports Owner" },
      headers: {} as Record<string, string>,
    };
  return {
    keys: [await signingKey("RS256"), await signingKey("ES256")],
    responseTypes: ["code"],
    grantTypes: ["authorization_code", "client_credentials", "refresh_token"],
    pkceRequired: true,
    rotateRefreshToken: true,
    accessTokenTtl: 600,
    jwtSign: { alg: "ES256" },
    extraTokenClaims: undefined,
    headers: {
      "strict-transport-security": "max-age=63072000; includeSubDomains",
      "x-frame-options": "DENY",
      "content-security-policy":
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    } as Record<string, string>,
  };
}

/**
 * node-oidc-provider on 127.0.0.1 (https with a self-signed certificate unless `tls`
 * is false) with one confidential client allowed the code and client credentials
 * grants, dev interactions (any login, no password check) and JWT access tokens for
 * RESOURCE.
 */
export async function startAuditedProvider(
  profile: Profile,
  options: { tls?: boolean } = {},
): Promise<AuditedProvider> {
  const tls = options.tls ?? true;
  const config = await profileConfiguration(profile);
  const certificate = tls ? selfSignedCertificate() : undefined;
  const server = certificate
    ? createHttpsServer({ key: certificate.key, cert: certificate.cert })
    : createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = {
    id: `audit-${profile}`,
    secret: `secret-of-the-${profile}-audit-client-0123456789`,
    redirectUri: REDIRECT_URI,
  };
  const resourceServer = {
    scope: "reports:read",
    audience: RESOURCE,
    accessTokenFormat: "jwt",
    accessTokenTTL: config.accessTokenTtl,
    jwt: { sign: config.jwtSign },
  };
  const provider = new Provider(issuer, {
    adapter: memoryAdapter([]),
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [REDIRECT_URI],
        grant_types: config.grantTypes,
        response_types: config.responseTypes.filter((t) => t !== "none"),
        scope: "openid offline_access reports:read",
      },
    ],
    jwks: { keys: config.keys },
    scopes: ["openid", "offline_access", "reports:read"],
    responseTypes: config.responseTypes,
    pkce: { required: () => config.pkceRequired },
    rotateRefreshToken: config.rotateRefreshToken,
    ttl: { AccessToken: config.accessTokenTtl, ClientCredentials: config.accessTokenTtl },
    ...(config.extraTokenClaims ? { extraTokenClaims: async () => config.extraTokenClaims } : {}),
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => resourceServer,
      },
    },
    cookies: { keys: [`audit-${profile}-cookie-key-0123456789`] },
  } as never);
  const handler = provider.callback();
  const received: AuditedProvider["received"] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    received.push({ method: req.method ?? "", path: new URL(req.url ?? "/", issuer).pathname });
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once("close", () => inFlight--);
    // What a hardened deployment's proxy adds to every answer.
    for (const [name, value] of Object.entries(config.headers)) res.setHeader(name, value);
    handler(req, res);
  });
  return {
    issuer,
    ...(certificate ? { caFile: certificate.file } : {}),
    client,
    resource: RESOURCE,
    received,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Both profiles over plain http, started before and closed after the enclosing
 * `describe`'s tests: for tests that reach the providers from this process (which
 * does not trust the self-signed certificate).
 */
export function bothProfiles(): { weak: () => AuditedProvider; strong: () => AuditedProvider } {
  let weak: AuditedProvider | undefined;
  let strong: AuditedProvider | undefined;
  beforeAll(async () => {
    weak = await startAuditedProvider("weak", { tls: false });
    strong = await startAuditedProvider("strong", { tls: false });
  });
  afterAll(async () => {
    await weak?.close();
    await strong?.close();
  });
  const started = (p: AuditedProvider | undefined) => {
    if (!p) throw new Error("the providers start in beforeAll");
    return p;
  };
  return { weak: () => started(weak), strong: () => started(strong) };
}
