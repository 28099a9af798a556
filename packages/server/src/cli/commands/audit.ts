import type { Command } from "commander";
import { hasFailure } from "../../audit/check.js";
import { formatAudit } from "../../audit/report.js";
import { runAudit } from "../../audit/run.js";
import { CliError, createOutput } from "../output.js";
import { readHidden, readStdin } from "../prompt.js";

interface AuditFlags {
  clientId?: string;
  clientSecretStdin?: boolean;
  redirectUri?: string;
  json?: boolean;
}

/** An http(s) URL, or a usage error naming the flag. */
export function urlOption(value: string, what: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new CliError(`${what} must be an http or https URL, got ${JSON.stringify(value)}`);
  return value;
}

/** The client secret from standard input: asked for without echo on a terminal. */
async function readSecret(): Promise<string> {
  const secret = process.stdin.isTTY
    ? await readHidden("Client secret: ", process.stdin, process.stderr)
    : await readStdin();
  if (!secret) throw new CliError("--client-secret-stdin: standard input was empty");
  return secret;
}

/** `frontdesk audit ISSUER_URL`: checks any OAuth 2.0 / OpenID Connect server; exit 1 when a check fails. */
export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description(
      "check an OAuth 2.0 / OpenID Connect server (any, not only Frontdesk) against the security BCPs",
    )
    .argument("<issuer>", "the issuer URL, exactly as the server's metadata names it")
    .option(
      "--client-id <id>",
      "a registered client: the authorization endpoint, sign-in page and token checks need one",
    )
    .option(
      "--client-secret-stdin",
      "read the client's secret from standard input (for the client credentials grant)",
    )
    .option("--redirect-uri <uri>", "a redirect URI registered for the client")
    .option("--json", "print one JSON object")
    .action(async (issuer: string, flags: AuditFlags) => {
      urlOption(issuer, "ISSUER_URL");
      if (flags.redirectUri) urlOption(flags.redirectUri, "--redirect-uri");
      if (flags.clientSecretStdin && !flags.clientId)
        throw new CliError("--client-secret-stdin needs --client-id");
      const clientSecret = flags.clientSecretStdin ? await readSecret() : undefined;
      const report = await runAudit({
        issuer,
        ...(flags.clientId ? { clientId: flags.clientId } : {}),
        ...(clientSecret ? { clientSecret } : {}),
        ...(flags.redirectUri ? { redirectUri: flags.redirectUri } : {}),
      });
      createOutput(Boolean(flags.json)).result({ target: report.target, checks: report.checks }, () =>
        formatAudit(report),
      );
      if (hasFailure(report.checks)) process.exitCode = 1;
    });
}
