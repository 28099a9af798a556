import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

/**
 * A software authenticator for tests: it makes a P-256 credential and answers
 * registration ("none" attestation) and assertion ceremonies the way a browser and
 * authenticator would, so a test can also answer wrongly (another origin, rpId,
 * user handle, a counter gone back). The CBOR is the fixed layout of these few maps.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  counter = 0;

  /** The user handle it keeps with the credential (learnt at registration). */
  userHandle: string | undefined;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.key = privateKey;
    this.publicJwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
  }

  get id(): string {
    return this.credentialId.toString("base64url");
  }

  private authData(rpId: string, flags: number, attested?: Buffer): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter, attested ?? Buffer.alloc(0)]);
  }

  private coseKey(): Buffer {
    const x = Buffer.from(this.publicJwk.x, "base64url");
    const y = Buffer.from(this.publicJwk.y, "base64url");
    // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
    return Buffer.concat([
      Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
      x,
      Buffer.from([0x22, 0x58, 0x20]),
      y,
    ]);
  }

  /** The answer to `navigator.credentials.create` for these options. */
  register(
    options: { challenge: string; rp: { id?: string }; user: { id: string } },
    origin: string,
    tamper: { origin?: string; rpId?: string } = {},
  ): Record<string, unknown> {
    this.userHandle = options.user.id;
    const rpId = tamper.rpId ?? (options.rp.id as string);
    const clientData = clientDataJson("webauthn.create", options.challenge, tamper.origin ?? origin);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.coseKey()]);
    // Flags: UP (0x01), UV (0x04), AT (0x40).
    const authData = this.authData(rpId, 0x45, attested);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(authData.length);
    const attestationObject = Buffer.concat([
      Buffer.from([0xa3, 0x63]),
      Buffer.from("fmt"),
      Buffer.from([0x64]),
      Buffer.from("none"),
      Buffer.from([0x67]),
      Buffer.from("attStmt"),
      Buffer.from([0xa0, 0x68]),
      Buffer.from("authData"),
      Buffer.from([0x59]),
      length,
      authData,
    ]);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: clientData.toString("base64url"),
        attestationObject: attestationObject.toString("base64url"),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  /** The answer to `navigator.credentials.get`; the counter goes up by one unless `counter` says otherwise. */
  assert(
    options: { challenge: string; rpId?: string },
    origin: string,
    tamper: { origin?: string; rpId?: string; userHandle?: string | null; counter?: number } = {},
  ): Record<string, unknown> {
    this.counter = tamper.counter ?? this.counter + 1;
    const clientData = clientDataJson("webauthn.get", options.challenge, tamper.origin ?? origin);
    const authData = this.authData(tamper.rpId ?? (options.rpId as string), 0x05);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientData)]), this.key);
    const userHandle = tamper.userHandle === undefined ? this.userHandle : tamper.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: clientData.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        ...(userHandle ? { userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest();

function clientDataJson(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}
