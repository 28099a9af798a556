import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  clientMetadataDocument,
  type MetadataPolicy,
  parseClientMetadata,
} from "../../clients/client-metadata.js";
import {
  checkRegistration,
  deleteClient,
  registerClient,
  updateClient,
  usesClientSecret,
} from "../../clients/registration.js";
import { clientSecretMatches } from "../../clients/secrets.js";
import { InvalidClientMetadataError, InvalidRequest, InvalidToken } from "../../errors/oauth-errors.js";
import { bearerToken } from "../../http/bearer-auth.js";
import { acceptJsonBody } from "../../http/form-body.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { registrationOffer } from "../registry.js";
import { asRegistrationErrors } from "./errors.js";
import { initialAccessTokenRepository, registrationAccessTokenRepository } from "./tokens-repo.js";

export const REGISTRATION_PATH = "/register";

/** Fields a client must not send when it replaces its registration (RFC 7592 2.2). */
const NOT_IN_UPDATE = [
  "registration_access_token",
  "registration_client_uri",
  "client_secret_expires_at",
  "client_id_issued_at",
];

type Services = Pick<CoreServices, "config" | "durable" | "fast" | "revocations">;

/** RFC 7591 bodies are JSON: parsed here only (the rest of the server takes forms); any other type is refused. */
function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  acceptJsonBody(app);
  app.addContentTypeParser("*", (_request, _payload, done) =>
    done(new InvalidRequest("send the registration as application/json"), undefined),
  );
}

const now = () => Math.floor(Date.now() / 1000);

const noStore = (reply: FastifyReply) =>
  reply.header("cache-control", "no-store").header("pragma", "no-cache");

/**
 * RFC 7591 registration (POST /register, with an initial access token unless
 * registration is open) and RFC 7592 management (GET, PUT, DELETE
 * /register/:clientId, with the client's registration access token).
 */
export function registrationRoutes(
  services: Services,
  options: { open: boolean; policy: Omit<MetadataPolicy, "offer"> },
): FastifyPluginAsync<FeatureRouteOptions> {
  const initial = initialAccessTokenRepository(services.durable);
  const registrations = registrationAccessTokenRepository(services.durable);
  const clientUri = (id: string) => `${services.config.issuer}${REGISTRATION_PATH}/${encodeURIComponent(id)}`;
  const describe = (client: ClientRecord) => ({
    ...clientMetadataDocument(client),
    ...(usesClientSecret(client.tokenEndpointAuthMethod) ? { client_secret_expires_at: 0 } : {}),
    registration_client_uri: clientUri(client.id),
  });

  /** The client the registration access token belongs to, when it is the one in the path. */
  async function registered(
    request: FastifyRequest<{ Params: { clientId: string } }>,
  ): Promise<ClientRecord> {
    const owner = await registrations.clientOf(hashToken(bearerToken(request)));
    const client = owner === request.params.clientId ? await services.durable.clients.get(owner) : undefined;
    if (!client) throw new InvalidToken("the registration access token is invalid, or not this client's");
    return client;
  }

  /** The live initial access token of the request (its hash when single-use), unless registration is open. */
  async function initialAccess(request: FastifyRequest): Promise<string | undefined> {
    if (options.open && request.headers.authorization === undefined) return undefined;
    const token = await initial.findLive(hashToken(bearerToken(request)), now());
    if (!token) throw new InvalidToken("the initial access token is invalid, expired or spent");
    return token.singleUse ? token.tokenHash : undefined;
  }

  return async (app, { registry }) => {
    // What discovery advertises is what a client may register.
    const offer = registrationOffer(registry);
    const policy: MetadataPolicy = { ...options.policy, offer };
    registerJsonBody(app);
    app.post(REGISTRATION_PATH, async (request, reply) => {
      const spendable = await initialAccess(request);
      const input = await asRegistrationErrors(() => {
        const parsed = parseClientMetadata(request.body, policy);
        checkRegistration(parsed, offer);
        return parsed;
      });
      if (spendable && !(await initial.spend(spendable, now())))
        throw new InvalidToken("the initial access token is invalid, expired or spent");
      const { client, secret } = await asRegistrationErrors(() => registerClient(services, input, offer));
      const registrationAccessToken = newOpaqueToken();
      await registrations.insert(client.id, hashToken(registrationAccessToken), client.createdAt);
      return noStore(reply)
        .code(201)
        .send({
          ...describe(client),
          ...(secret ? { client_secret: secret } : {}),
          registration_access_token: registrationAccessToken,
        });
    });

    app.get<{ Params: { clientId: string } }>(`${REGISTRATION_PATH}/:clientId`, async (request, reply) =>
      noStore(reply).send(describe(await registered(request))),
    );

    app.put<{ Params: { clientId: string } }>(`${REGISTRATION_PATH}/:clientId`, async (request, reply) => {
      const client = await registered(request);
      const body = request.body as Record<string, unknown> | null;
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new InvalidClientMetadataError("the registration must be a JSON object");
      if (body.client_id !== client.id)
        throw new InvalidClientMetadataError("client_id: must be present and match the registered client");
      const forbidden = NOT_IN_UPDATE.find((field) => field in body);
      if (forbidden) throw new InvalidRequest(`${forbidden}: must not be sent when updating a registration`);
      if (body.client_secret !== undefined) {
        const same =
          typeof body.client_secret === "string" && clientSecretMatches(body.client_secret, client);
        if (!same)
          throw new InvalidClientMetadataError(
            "client_secret: cannot be set by value (send the current secret, or none)",
          );
      }
      const updated = await asRegistrationErrors(() => {
        const input = parseClientMetadata(body, policy);
        return updateClient(
          services,
          client.id,
          {
            name: input.name,
            redirectUris: input.redirectUris,
            postLogoutRedirectUris: input.postLogoutRedirectUris,
            grantTypes: input.grantTypes,
            scopes: input.scopes,
            tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
            metadata: input.metadata,
          },
          offer,
        );
      });
      if (!updated) throw new InvalidToken("the registration access token is invalid, or not this client's");
      return noStore(reply).send(describe(updated));
    });

    app.delete<{ Params: { clientId: string } }>(`${REGISTRATION_PATH}/:clientId`, async (request, reply) => {
      const client = await registered(request);
      await deleteClient(services, client.id);
      await registrations.delete(client.id);
      return noStore(reply).code(204).send();
    });
  };
}
