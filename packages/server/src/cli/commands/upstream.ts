import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CoreServices, Feature } from "../../features/contract.js";
import { featureOptions } from "../../features/registry.js";
import { upstreamFeature } from "../../features/upstream/feature.js";
import {
  addProvider,
  describeProvider,
  type OperatorProvider,
  removeProvider,
  upstreamServices,
} from "../../features/upstream/operator.js";
import { InvalidProviderInput } from "../../features/upstream/providers.js";
import type { PresetName, ProviderKind } from "../../features/upstream/records.js";
import { CliError } from "../output.js";
import { readHidden, readStdin } from "../prompt.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

interface AddOptions extends GlobalOptions {
  id: string;
  name?: string;
  kind?: string;
  preset?: string;
  issuer?: string;
  clientId: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
  scopes?: string;
  trustEmail?: boolean;
  domains?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  claims?: string;
  appleTeamId?: string;
  appleKeyId?: string;
  applePrivateKeyFile?: string;
}

/** The upstream feature's providers and identities over the CLI's stores, with its configured timeout. */
export function upstreamOf(ctx: CoreServices) {
  const options = featureOptions(upstreamFeature as Feature, ctx) as { enabled: boolean; timeout: number };
  return { ...upstreamServices(ctx, options.timeout), enabled: options.enabled };
}

/** `--claims sub=id,email=email`: local claim → upstream field. */
function claimsOption(claims: string | undefined): Record<string, string> | undefined {
  if (claims === undefined) return undefined;
  const pairs = claims
    .split(",")
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1 || at === pair.length - 1)
        throw new CliError(
          `--claims: ${pair} is not local=upstream (give pairs separated by commas: sub=id,email=email)`,
        );
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const;
    });
  return Object.fromEntries(pairs);
}

/** `--client-secret-stdin`: on a terminal a prompt (on stderr) without echo; otherwise standard input as it is. */
async function clientSecretOption(o: AddOptions): Promise<string | undefined> {
  if (o.clientSecretStdin && o.clientSecret !== undefined)
    throw new CliError("give --client-secret-stdin or --client-secret, not both");
  if (!o.clientSecretStdin) return o.clientSecret;
  return process.stdin.isTTY
    ? readHidden("Client secret: ", process.stdin, process.stderr, "client secret")
    : readStdin();
}

function readKeyFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`--apple-private-key-file ${file}: cannot read it (${(error as Error).message})`);
  }
}

const list = (value: string | undefined, separator: RegExp) =>
  value
    ?.split(separator)
    .map((item) => item.trim())
    .filter(Boolean);

async function providerInput(o: AddOptions): Promise<OperatorProvider> {
  return {
    id: o.id,
    clientId: o.clientId,
    name: o.name,
    kind: o.kind as ProviderKind | undefined,
    preset: o.preset as PresetName | undefined,
    issuer: o.issuer,
    clientSecret: await clientSecretOption(o),
    scopes: list(o.scopes, /\s+/),
    trustEmail: o.trustEmail,
    domains: list(o.domains, /,/),
    authorizationEndpoint: o.authorizationEndpoint,
    tokenEndpoint: o.tokenEndpoint,
    userinfoEndpoint: o.userinfoEndpoint,
    claims: claimsOption(o.claims),
    appleTeamId: o.appleTeamId,
    appleKeyId: o.appleKeyId,
    applePrivateKey: readKeyFile(o.applePrivateKeyFile),
  };
}

const KIND_NAMES = { oidc: "OpenID Connect", oauth2: "OAuth 2.0" };

/** `frontdesk upstream add|list|remove`: the identity providers people may sign in with. */
export function registerUpstreamCommands(program: Command): void {
  const upstream = program
    .command("upstream")
    .description("upstream identity providers (Continue with Google, GitHub, your company's SSO)");
  withGlobals(
    upstream
      .command("add")
      .description("add a provider; prints the redirect URI to register at it (docs/upstream-providers.md)"),
  )
    .requiredOption(
      "--id <id>",
      "1-32 lower-case letters, digits and -: the callback is /upstream/<id>/callback",
    )
    .option("--name <name>", "shown as “Continue with <name>” (default: the preset's)")
    .option("--preset <preset>", "github, google, microsoft, apple or gitlab: endpoints and claims filled in")
    .option("--kind <kind>", "oidc (default: configured from the issuer's discovery) or oauth2")
    .option("--issuer <url>", "the OpenID provider's issuer (its discovery document is read now)")
    .requiredOption("--client-id <id>", "the client id the provider gave")
    .option("--client-secret <secret>", "the client secret (prefer --client-secret-stdin)")
    .option("--client-secret-stdin", "read the client secret from standard input (on a terminal: not shown)")
    .option("--scopes <scopes>", 'space-separated scopes to ask for (default "openid email profile")')
    .option(
      "--trust-email",
      "the provider's verified address may link an existing account with the same verified address",
    )
    .option("--domains <list>", "comma-separated: addresses at these domains typed at sign-in go here (SSO)")
    .option("--authorization-endpoint <url>", "oauth2: where people are sent")
    .option("--token-endpoint <url>", "oauth2: where the code is exchanged")
    .option("--userinfo-endpoint <url>", "oauth2: where the person's details are read")
    .option("--claims <map>", "oauth2: local=upstream fields, e.g. sub=id,email=email,name=name")
    .option("--apple-team-id <id>", "apple: your 10-character Team ID")
    .option("--apple-key-id <id>", "apple: the 10-character ID of the Sign in with Apple key")
    .option("--apple-private-key-file <file>", "apple: the key's AuthKey_<key id>.p8 file")
    .action((o: AddOptions) =>
      withContext(o, async (ctx, out) => {
        const { providers, enabled } = upstreamOf(ctx);
        try {
          const added = await addProvider({ providers, logger: ctx.logger }, await providerInput(o));
          const redirectUri = providers.redirectUri(added.id);
          if (!enabled)
            process.stderr.write(
              "note: the upstream feature is disabled here (features.upstream.enabled=false): the provider is offered once it is enabled\n",
            );
          out.result({ id: added.id, redirect_uri: redirectUri }, () =>
            [
              `added ${added.id}: “Continue with ${added.name}” (${KIND_NAMES[added.kind]}${added.settings.preset ? `, preset ${added.settings.preset}` : ""})`,
              `register this redirect URI at the provider: ${redirectUri}`,
            ].join("\n"),
          );
        } catch (error) {
          if (error instanceof InvalidProviderInput) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(upstream.command("list").description("list providers (never their secrets)")).action(
    (o: GlobalOptions) =>
      withContext(o, async (ctx, out) => {
        const { providers } = upstreamOf(ctx);
        const all = (await providers.list()).map((p) => describeProvider(p, providers.redirectUri(p.id)));
        out.result(
          { upstreams: all },
          () =>
            all
              .map((p) =>
                [
                  p.id,
                  p.name,
                  p.preset ?? p.kind,
                  p.issuer,
                  p.redirect_uri,
                  ...(p.domains.length ? [`domains=${p.domains.join(",")}`] : []),
                  ...(p.trust_email ? ["trust-email"] : []),
                ].join("  "),
              )
              .join("\n") || "(no upstream providers)",
        );
      }),
  );
  withGlobals(
    upstream
      .command("remove")
      .argument("<id>", "the provider's id")
      .description("remove a provider and unlink every identity linked through it"),
  ).action((id: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const { providers } = upstreamOf(ctx);
      if (!(await removeProvider({ providers, logger: ctx.logger }, id)))
        throw new CliError(`no upstream provider ${id}`);
      out.result({ deleted: id }, () => `removed ${id} and unlinked the identities linked through it`);
    }),
  );
}
