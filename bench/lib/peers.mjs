// Starting the peer servers (pinned like Frontdesk).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { freePort, spawnServer, stop, waitReady } from "./proc.mjs";

const peer = (file) => fileURLToPath(new URL(`../peers/${file}`, import.meta.url));

let jwk;
/** One ES256 private JWK for every oidc-provider start (generated once, like Frontdesk's stored key). */
function benchJwk() {
  if (!jwk) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    jwk = { ...privateKey.export({ format: "jwk" }), kid: "bench-es256", alg: "ES256", use: "sig" };
  }
  return jwk;
}

export class OidcProviderPeer {
  clientId = "bench-service";
  clientSecret = randomBytes(32).toString("base64url");

  async start({ nodeFlags = [] } = {}) {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.jwtResource = `${this.url}/api`;
    this.opaqueResource = `${this.url}/opaque-api`;
    const startedAt = performance.now();
    this.child = spawnServer([...nodeFlags, peer("oidc-provider.mjs")], {
      name: "oidc-provider",
      env: {
        PORT: String(this.port),
        BENCH_JWK: JSON.stringify(benchJwk()),
        BENCH_CLIENT_ID: this.clientId,
        BENCH_CLIENT_SECRET: this.clientSecret,
        NODE_ENV: "production",
      },
    });
    this.startupMs = await waitReady(this.child, `${this.url}/.well-known/openid-configuration`, {
      startedAt,
    });
    return this;
  }

  stop() {
    return stop(this.child);
  }
}

/** The ceiling (`bench/peers/ceiling.mjs`): the token endpoint's and introspection's essential work only. */
export class CeilingPeer {
  clientId = "bench-service";
  clientSecret = randomBytes(32).toString("base64url");

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.child = spawnServer([peer("ceiling.mjs")], {
      name: "ceiling",
      env: {
        PORT: String(this.port),
        BENCH_CLIENT_ID: this.clientId,
        BENCH_CLIENT_SECRET: this.clientSecret,
        NODE_ENV: "production",
      },
    });
    await waitReady(this.child, `${this.url}/healthz`);
    return this;
  }

  stop() {
    return stop(this.child);
  }
}

export class ExpressSessionPeer {
  constructor(redisUrl, prefix) {
    this.redisUrl = redisUrl;
    this.prefix = prefix;
  }

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.child = spawnServer([peer("express-session.mjs")], {
      name: "express-session",
      env: {
        PORT: String(this.port),
        REDIS_URL: this.redisUrl,
        REDIS_PREFIX: this.prefix,
        NODE_ENV: "production",
      },
    });
    await waitReady(this.child, `${this.url}/healthz`);
    return this;
  }

  stop() {
    return stop(this.child);
  }
}
