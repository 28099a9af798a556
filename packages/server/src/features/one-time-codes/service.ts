import type { FastStore } from "../../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import { type AttemptLimit, CodeAttempts, claimStep } from "./attempts.js";
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from "./recovery-codes.js";
import type { CredentialRepository, RecoveryCodeRepository } from "./repositories.js";
import { codeShape, matchingStep, newSecret, type OneTimeCodeSecrets, otpauthUri, qrSvg } from "./totp.js";

/** A set-up in progress: its secret waits here, sealed, until a code from it proves the app has it. */
interface PendingEnrolment {
  userId: string;
  /** The session it belongs to (account page); absent during a held sign-in. */
  sid?: string;
  sealed: string;
}

/** What an enrolment form shows: the QR code, the same secret as text, and the URI. */
export interface EnrolmentView {
  handle: string;
  secret: string;
  uri: string;
  qr: string;
}

export type CodeOutcome = "ok" | "wrong" | "used" | { retryAfter: number };

const PENDING = "otp-enrolment";
/** As long as a held sign-in: time to find the phone and scan. */
const PENDING_TTL = 10 * 60;
const seconds = () => Math.floor(Date.now() / 1000);

export interface OneTimeCodeDeps {
  fast: FastStore;
  credentials: CredentialRepository;
  recoveryCodes: RecoveryCodeRepository;
  secrets: OneTimeCodeSecrets;
  /** The name authenticator apps show next to the account. */
  appName: string;
  limit: AttemptLimit;
}

/** Authenticator-app codes and recovery codes: set-up, checks, removal. Never logs a code or secret. */
export class OneTimeCodes {
  private readonly otpAttempts: CodeAttempts;
  private readonly recoveryAttempts: CodeAttempts;

  constructor(private readonly deps: OneTimeCodeDeps) {
    this.otpAttempts = new CodeAttempts(deps.fast, "otp", deps.limit);
    this.recoveryAttempts = new CodeAttempts(deps.fast, "recovery", deps.limit);
  }

  async enrolled(userId: string): Promise<boolean> {
    return (await this.deps.credentials.get(userId)) !== undefined;
  }

  recoveryCodesLeft(userId: string): Promise<number> {
    return this.deps.recoveryCodes.count(userId);
  }

  credential(userId: string) {
    return this.deps.credentials.get(userId);
  }

  /** A new secret waiting for its first code; the browser gets only an unguessable handle to it. */
  async startEnrolment(userId: string, username: string, sid?: string): Promise<EnrolmentView> {
    const secret = newSecret();
    const handle = newOpaqueToken();
    const pending: PendingEnrolment = {
      userId,
      ...(sid ? { sid } : {}),
      sealed: await this.deps.secrets.seal(userId, secret),
    };
    await this.deps.fast.set(PENDING, hashToken(handle), JSON.stringify(pending), PENDING_TTL);
    return this.view(handle, secret, username);
  }

  /** The set-up a handle names, when it is this person's (and this session's, when it has one). */
  async pendingEnrolment(
    handle: string | undefined,
    userId: string,
    username: string,
    sid?: string,
  ): Promise<EnrolmentView | undefined> {
    if (!handle || handle.length > 128) return undefined;
    const raw = await this.deps.fast.get(PENDING, hashToken(handle));
    const pending = raw ? (JSON.parse(raw) as PendingEnrolment) : undefined;
    if (!pending || pending.userId !== userId || pending.sid !== sid) return undefined;
    return this.view(handle, await this.deps.secrets.open(userId, pending.sealed), username);
  }

  /**
   * Switches the app on when `code` comes from the pending secret: the secret is
   * stored sealed and ten new recovery codes replace any old ones (returned once, to show).
   */
  async finishEnrolment(
    view: EnrolmentView,
    userId: string,
    code: string | undefined,
  ): Promise<{ recoveryCodes: string[] } | "wrong" | "used"> {
    const typed = codeShape(code);
    const step = typed === undefined ? undefined : matchingStep(view.secret, typed);
    if (step === undefined) return "wrong";
    if (!(await this.deps.fast.consume(PENDING, hashToken(view.handle)))) return "used";
    // The code that switched the app on cannot also complete a sign-in.
    await claimStep(this.deps.fast, userId, step);
    const sealed = await this.deps.secrets.seal(userId, view.secret);
    if (
      !(await this.deps.credentials.insert({
        userId,
        sealedSecret: sealed,
        createdAt: seconds(),
        lastUsedAt: null,
      }))
    )
      return "used";
    return { recoveryCodes: await this.regenerateRecoveryCodes(userId) };
  }

  /** A code from the person's app, as a second factor: counted, checked, and accepted once. */
  async verify(userId: string, code: string | undefined): Promise<CodeOutcome> {
    const admission = await this.otpAttempts.admit(userId);
    if (!admission.ok) return { retryAfter: admission.retryAfter };
    const credential = await this.deps.credentials.get(userId);
    const typed = codeShape(code);
    if (!credential || !typed) return "wrong";
    const step = matchingStep(await this.deps.secrets.open(userId, credential.sealedSecret), typed);
    if (step === undefined) return "wrong";
    if (!(await claimStep(this.deps.fast, userId, step))) return "used";
    await this.otpAttempts.succeeded(userId);
    await this.deps.credentials.touch(userId, seconds());
    return "ok";
  }

  /** A recovery code: counted, then used up (of two concurrent uses of one code, one wins). */
  async useRecoveryCode(userId: string, code: string | undefined): Promise<CodeOutcome> {
    const admission = await this.recoveryAttempts.admit(userId);
    if (!admission.ok) return { retryAfter: admission.retryAfter };
    const normalized = normalizeRecoveryCode(code);
    if (!normalized || !(await this.deps.recoveryCodes.consume(userId, recoveryCodeHash(normalized))))
      return "wrong";
    await this.recoveryAttempts.succeeded(userId);
    return "ok";
  }

  /** Ten new recovery codes; the old ones stop working. */
  async regenerateRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.deps.recoveryCodes.replace(userId, codes.map(recoveryCodeHash), seconds());
    return codes;
  }

  /** Turns the app off; with `recoveryCodes`, the codes go too (no factor is left for them to recover). */
  async remove(userId: string, options: { recoveryCodes: boolean }): Promise<boolean> {
    const removed = await this.deps.credentials.delete(userId);
    if (options.recoveryCodes) await this.deps.recoveryCodes.deleteAllOfUser(userId);
    return removed;
  }

  /** Everything kept of the person (their deletion, an administrator's reset): how many records went. */
  async erase(userId: string): Promise<number> {
    const app = await this.deps.credentials.delete(userId);
    return (app ? 1 : 0) + (await this.deps.recoveryCodes.deleteAllOfUser(userId));
  }

  async removeRecoveryCodes(userId: string): Promise<void> {
    await this.deps.recoveryCodes.deleteAllOfUser(userId);
  }

  private async view(handle: string, secret: string, username: string): Promise<EnrolmentView> {
    const uri = otpauthUri(secret, this.deps.appName, username);
    return { handle, secret, uri, qr: await qrSvg(uri) };
  }
}
