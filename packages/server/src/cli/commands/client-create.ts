import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseClientMetadata } from "../../clients/client-metadata.js";
import { InvalidClientMetadata, registerClient } from "../../clients/registration.js";
import { registrationOfferFor } from "../../main/services.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

interface CreateOptions extends GlobalOptions {
  name: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  grantTypes: string;
  scopes: string;
  public?: boolean;
  firstParty?: boolean;
  tokenEndpointAuthMethod?: string;
  jwksUri?: string;
  jwksFile?: string;
  idTokenSignedResponseAlg?: string;
  requirePar?: boolean;
  dpopBound?: boolean;
  backchannelLogoutUri?: string;
  backchannelLogoutSessionRequired?: boolean;
  tokenExchangeAudiences?: string;
  acr?: string;
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
}

/** The flag that sets each registration metadata field, to name it in errors. */
const FLAG_OF: Record<string, string> = {
  client_name: "--name",
  redirect_uris: "--redirect-uri",
  post_logout_redirect_uris: "--post-logout-redirect-uri",
  grant_types: "--grant-types",
  scope: "--scopes",
  token_endpoint_auth_method: "--token-endpoint-auth-method",
  jwks: "--jwks-file",
  jwks_uri: "--jwks-uri",
  id_token_signed_response_alg: "--id-token-signed-response-alg",
  require_pushed_authorization_requests: "--require-par",
  dpop_bound_access_tokens: "--dpop-bound",
  backchannel_logout_uri: "--backchannel-logout-uri",
  backchannel_logout_session_required: "--backchannel-logout-session-required",
  token_exchange_audiences: "--token-exchange-audiences",
  default_acr_values: "--acr",
  logo_uri: "--logo-uri",
  client_uri: "--client-uri",
  policy_uri: "--policy-uri",
  tos_uri: "--tos-uri",
};

const collect = (value: string, previous: string[] = []) => [...previous, value];
const commaList = (list: string) =>
  list
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

function readJwks(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`--jwks-file ${file}: not a readable JSON file (${(error as Error).message})`);
  }
}

/** The flags in RFC 7591 words, for the validator the registration endpoint uses too. */
function metadataDocument(o: CreateOptions): Record<string, unknown> {
  return {
    client_name: o.name,
    redirect_uris: o.redirectUri,
    post_logout_redirect_uris: o.postLogoutRedirectUri,
    grant_types: commaList(o.grantTypes),
    scope: o.scopes,
    token_endpoint_auth_method: o.tokenEndpointAuthMethod ?? (o.public ? "none" : undefined),
    jwks: o.jwksFile === undefined ? undefined : readJwks(o.jwksFile),
    jwks_uri: o.jwksUri,
    id_token_signed_response_alg: o.idTokenSignedResponseAlg,
    require_pushed_authorization_requests: o.requirePar,
    dpop_bound_access_tokens: o.dpopBound,
    backchannel_logout_uri: o.backchannelLogoutUri,
    backchannel_logout_session_required: o.backchannelLogoutSessionRequired,
    token_exchange_audiences:
      o.tokenExchangeAudiences === undefined ? undefined : commaList(o.tokenExchangeAudiences),
    default_acr_values: o.acr === undefined ? undefined : [o.acr],
    logo_uri: o.logoUri,
    client_uri: o.clientUri,
    policy_uri: o.policyUri,
    tos_uri: o.tosUri,
  };
}

/** `frontdesk client create`: the registration metadata as flags, validated like dynamic registration. */
export function registerClientCreateCommand(client: Command): void {
  withGlobals(client.command("create").description("register a client; prints its id and (once) its secret"))
    .requiredOption("--name <name>", "display name shown on the consent page")
    .option("--redirect-uri <uri>", "allowed redirect URI (repeatable)", collect, [])
    .option("--post-logout-redirect-uri <uri>", "allowed post-logout redirect URI (repeatable)", collect, [])
    .requiredOption(
      "--grant-types <list>",
      "comma-separated, among those the enabled features offer (grant_types_supported in discovery): authorization_code,refresh_token,client_credentials,urn:ietf:params:oauth:grant-type:device_code,urn:ietf:params:oauth:grant-type:token-exchange",
    )
    .option("--scopes <scopes>", "space-separated scopes the client may request", "")
    .option("--public", "public client (no secret; PKCE only): --token-endpoint-auth-method none")
    .option("--first-party", "trusted first-party client: consent is skipped")
    .option(
      "--token-endpoint-auth-method <method>",
      "client_secret_basic (default), client_secret_post, private_key_jwt or none, when enabled (token_endpoint_auth_methods_supported)",
    )
    .option("--jwks-uri <url>", "where the client's public keys are published (https)")
    .option("--jwks-file <file>", "the client's public keys, a JWK Set in a JSON file")
    .option("--id-token-signed-response-alg <alg>", "RS256 (default), ES256 or EdDSA")
    .option("--require-par", "authorization requests must be pushed (PAR)")
    .option("--dpop-bound", "access tokens must be DPoP-bound")
    .option("--backchannel-logout-uri <url>", "where logout tokens are POSTed")
    .option("--backchannel-logout-session-required", "logout tokens must carry sid")
    .option(
      "--token-exchange-audiences <list>",
      "comma-separated configured resources it may exchange tokens for (token exchange grant)",
    )
    .option(
      "--acr <value>",
      "every sign-in for this client must reach it: urn:frontdesk:acr:mfa (two factors) or urn:frontdesk:acr:phr (a passkey)",
    )
    .option("--logo-uri <url>", "logo shown on the consent page (https)")
    .option("--client-uri <url>", "the client's home page (https)")
    .option("--policy-uri <url>", "its privacy policy (https)")
    .option("--tos-uri <url>", "its terms of service (https)")
    .action((o: CreateOptions) =>
      withContext(o, async (ctx, out) => {
        try {
          const offer = registrationOfferFor(ctx);
          const input = parseClientMetadata(metadataDocument(o), { offer, resources: ctx.config.resources });
          const { client: created, secret } = await registerClient(
            ctx,
            { ...input, public: o.public, firstParty: o.firstParty },
            offer,
          );
          out.result({ client_id: created.id, ...(secret ? { client_secret: secret } : {}) }, () =>
            [
              `client_id:     ${created.id}`,
              ...(secret
                ? [`client_secret: ${secret}`, "(the secret is shown only now: store it safely)"]
                : []),
            ].join("\n"),
          );
        } catch (error) {
          if (error instanceof InvalidClientMetadata) {
            const flag = error.field ? FLAG_OF[error.field] : undefined;
            throw new CliError(flag ? `${error.message} (${flag})` : error.message);
          }
          throw error;
        }
      }),
    );
}
