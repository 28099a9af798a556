import type { FastifyRequest } from "fastify";
import { cachedClient } from "../../clients/client-cache.js";
import { InvalidClient, InvalidRequest } from "../../errors/oauth-errors.js";
import type { Revocations } from "../../revocation/revocations.js";
import type { ClientRecord, DurableStore } from "../../storage/durable/types.js";
import type { FastStore } from "../../storage/fast/types.js";
import type { ClientAuthMethod, PresentedCredentials } from "./methods.js";

export interface ClientAuthDeps {
  durable: DurableStore;
  /** Holds the client change markers that invalidate cached records (clients/client-cache.ts). */
  fast: Pick<FastStore, "get">;
  revocations: Pick<Revocations, "isClientRevoked">;
}

/** Authenticates calling clients with a map of methods; every endpoint that authenticates clients uses one. */
export class ClientAuthentication {
  private readonly methods: ReadonlyMap<string, ClientAuthMethod>;

  constructor(
    private readonly deps: ClientAuthDeps,
    methods: readonly ClientAuthMethod[],
  ) {
    const byName = new Map<string, ClientAuthMethod>();
    for (const method of methods) {
      if (byName.has(method.name))
        throw new Error(`client authentication method ${method.name} registered twice`);
      byName.set(method.name, method);
    }
    this.methods = byName;
  }

  /** Method names, in registration order (discovery's `*_auth_methods_supported`). */
  names(filter: { confidentialOnly?: boolean } = {}): string[] {
    return [...this.methods.values()]
      .filter((m) => !filter.confidentialOnly || m.confidential)
      .map((m) => m.name);
  }

  /** Which method the request uses: exactly one that proves something, else `none`. */
  private presented(
    request: FastifyRequest,
    params: Record<string, string>,
  ): { method: ClientAuthMethod; credentials: PresentedCredentials } {
    const found: { method: ClientAuthMethod; credentials: PresentedCredentials }[] = [];
    let fallback: { method: ClientAuthMethod; credentials: PresentedCredentials } | undefined;
    const header = request.headers.authorization;
    const basicHeader = header !== undefined && /^basic(\s|$)/i.test(header);
    if (basicHeader && (params.client_secret !== undefined || params.client_assertion !== undefined))
      throw new InvalidRequest("use exactly one client authentication method");
    for (const method of this.methods.values()) {
      const credentials = method.present(request, params);
      if (!credentials) continue;
      if (method.confidential) found.push({ method, credentials });
      else fallback ??= { method, credentials };
    }
    if (found.length > 1) throw new InvalidRequest("use exactly one client authentication method");
    const chosen = found[0] ?? fallback;
    if (!chosen) throw new InvalidClient("client authentication is required");
    if (
      chosen.method.confidential &&
      params.client_id !== undefined &&
      params.client_id !== chosen.credentials.clientId
    )
      throw new InvalidRequest("client_id does not match the authenticated client");
    return chosen;
  }

  /**
   * Authenticates the calling client by its registered method. Every failure is
   * `invalid_client`, with no hint whether the id or the credential was wrong.
   */
  async authenticate(request: FastifyRequest, params: Record<string, string>): Promise<ClientRecord> {
    const { method, credentials } = this.presented(request, params);
    const challenge = method.challenge === true;
    // The record may come from the short client cache; a deletion's revocation marker
    // and a change's generation marker (in the fast store, shared by every process)
    // take effect at once all the same.
    const [client, revoked] = await Promise.all([
      cachedClient(this.deps.durable, this.deps.fast, credentials.clientId),
      this.deps.revocations.isClientRevoked(credentials.clientId),
    ]);
    if (!client || client.disabled || revoked)
      throw new InvalidClient("client authentication failed", challenge);
    const registered = client.tokenEndpointAuthMethod;
    if (registered === "none" && method.confidential)
      throw new InvalidClient("public clients do not authenticate with a secret", challenge);
    if (registered !== "none" && !method.confidential)
      throw new InvalidClient("client authentication is required");
    if (!method.satisfies.includes(registered) || !(await method.verify(client, credentials)))
      throw new InvalidClient("client authentication failed", challenge);
    return client;
  }
}
