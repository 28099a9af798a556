import type { FastStore } from "../storage/fast/types.js";
import { newId } from "../tokens/opaque.js";
import type { InteractionRequest } from "./authorization-request/types.js";

/** A request waiting for the person (sign-in, consent), of some kind (`authorization`, `device`). */
export interface Interaction<R extends InteractionRequest = InteractionRequest> {
  id: string;
  /** Which kind finishes it (see InteractionKind); the request's shape belongs to the kind. */
  kind: string;
  request: R;
  createdAt: number;
  /** Set when consent is shown: only this user may answer it. */
  userId?: string;
  /** The session signed in on the sign-in page of this very interaction (satisfies prompt=login, max_age). */
  loginSid?: string;
}

const NS = "interaction";
const TTL = 15 * 60;

function parse(raw: string): Interaction {
  const interaction = JSON.parse(raw) as Interaction;
  // Interactions stored before kinds existed were all authorization requests.
  interaction.kind ??= "authorization";
  return interaction;
}

export class Interactions {
  constructor(private readonly fast: FastStore) {}

  /** A new interaction, not yet stored (save it once a page needs it). */
  create<R extends InteractionRequest>(kind: string, request: R): Interaction<R> {
    return { id: newId(), kind, request, createdAt: Math.floor(Date.now() / 1000) };
  }

  async start<R extends InteractionRequest>(kind: string, request: R): Promise<Interaction<R>> {
    const interaction = this.create(kind, request);
    await this.save(interaction);
    return interaction;
  }

  async save(interaction: Interaction): Promise<void> {
    await this.fast.set(NS, interaction.id, JSON.stringify(interaction), TTL);
  }

  async get(id: string | undefined): Promise<Interaction | undefined> {
    if (!id || id.length > 64) return undefined;
    const raw = await this.fast.get(NS, id);
    return raw ? parse(raw) : undefined;
  }

  /** Ends an interaction; only the first caller gets it (a double-submitted form acts once). */
  async finish(id: string): Promise<Interaction | undefined> {
    const raw = await this.fast.consume(NS, id);
    return raw ? parse(raw) : undefined;
  }
}
