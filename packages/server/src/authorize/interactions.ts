import type { FastStore } from "../storage/fast/types.js";
import { newId } from "../tokens/opaque.js";
import type { AuthorizationRequest } from "./request.js";

/** An authorization request waiting for the person (sign-in, consent). */
export interface Interaction {
  id: string;
  request: AuthorizationRequest;
  createdAt: number;
  /** Set when consent is shown: only this user may answer it. */
  userId?: string;
  /** The session signed in on the sign-in page of this very interaction (satisfies prompt=login, max_age). */
  loginSid?: string;
}

const NS = "interaction";
const TTL = 15 * 60;

export class Interactions {
  constructor(private readonly fast: FastStore) {}

  async start(request: AuthorizationRequest): Promise<Interaction> {
    const interaction: Interaction = { id: newId(), request, createdAt: Math.floor(Date.now() / 1000) };
    await this.save(interaction);
    return interaction;
  }

  async save(interaction: Interaction): Promise<void> {
    await this.fast.set(NS, interaction.id, JSON.stringify(interaction), TTL);
  }

  async get(id: string | undefined): Promise<Interaction | undefined> {
    if (!id || id.length > 64) return undefined;
    const raw = await this.fast.get(NS, id);
    return raw ? (JSON.parse(raw) as Interaction) : undefined;
  }

  /** Ends an interaction; only the first caller gets it (a double-submitted form acts once). */
  async finish(id: string): Promise<Interaction | undefined> {
    const raw = await this.fast.consume(NS, id);
    return raw ? (JSON.parse(raw) as Interaction) : undefined;
  }
}
