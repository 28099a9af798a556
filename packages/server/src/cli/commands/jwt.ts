import type { Command } from "commander";
import { formatInspection, inspectionFailed, inspectToken } from "../../audit/inspection.js";
import { TokenFormatError } from "../../audit/token-lint.js";
import { CliError, createOutput } from "../output.js";
import { readStdin } from "../prompt.js";
import { urlOption } from "./audit.js";

interface InspectFlags {
  issuer?: string;
  audience?: string;
  json?: boolean;
}

async function tokenFrom(argument: string | undefined): Promise<string> {
  if (argument !== undefined && argument !== "-") return argument;
  if (process.stdin.isTTY) throw new CliError("give the token as an argument, or pipe it in (TOKEN or -)");
  return (await readStdin()).trim();
}

/** `frontdesk jwt inspect [TOKEN | -]`: decode, lint, and with --issuer verify; exit 1 when it fails. */
export function registerJwtCommands(program: Command): void {
  const jwt = program.command("jwt").description("JSON Web Tokens");
  jwt
    .command("inspect")
    .description("decode a JWT (labelled not verified until it is), lint it, and verify it with --issuer")
    .argument("[token]", "the token, or - to read it from standard input (the default)")
    .option("--issuer <url>", "verify the signature with this issuer's published keys, and check iss")
    .option("--audience <aud>", "the audience the token must be for")
    .option("--json", "print one JSON object")
    .action(async (argument: string | undefined, flags: InspectFlags) => {
      if (flags.issuer) urlOption(flags.issuer, "--issuer");
      const token = await tokenFrom(argument);
      let inspection: Awaited<ReturnType<typeof inspectToken>>;
      try {
        inspection = await inspectToken(token, {
          ...(flags.issuer ? { issuer: flags.issuer } : {}),
          ...(flags.audience ? { audience: flags.audience } : {}),
        });
      } catch (error) {
        if (error instanceof TokenFormatError) throw new CliError(error.message);
        throw error;
      }
      createOutput(Boolean(flags.json)).result({ ...inspection }, () => formatInspection(inspection));
      if (inspectionFailed(inspection)) process.exitCode = 1;
    });
}
