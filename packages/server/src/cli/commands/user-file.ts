import { type FileHandle, open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { type ImportOutcome, importUsers } from "../../users/import.js";
import type { FirebaseHashConfig } from "../../users/password-hashes/index.js";
import { userLine } from "../../users/user-file.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

interface ImportOptions extends GlobalOptions {
  firebaseSignerKey?: string;
  firebaseSaltSeparator?: string;
  firebaseRounds?: string;
  firebaseMemCost?: string;
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(`${flag}: "${value}" is not a whole number above 0`);
  return n;
}

function firebaseConfig(o: ImportOptions): Partial<FirebaseHashConfig> {
  const rounds = wholeNumber("--firebase-rounds", o.firebaseRounds);
  const memCost = wholeNumber("--firebase-mem-cost", o.firebaseMemCost);
  return {
    ...(o.firebaseSignerKey !== undefined ? { signerKey: o.firebaseSignerKey } : {}),
    ...(o.firebaseSaltSeparator !== undefined ? { saltSeparator: o.firebaseSaltSeparator } : {}),
    ...(rounds !== undefined ? { rounds } : {}),
    ...(memCost !== undefined ? { memCost } : {}),
  };
}

async function openFile(path: string, flags: string, mode?: number): Promise<FileHandle> {
  try {
    return await open(path, flags, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new CliError(`${path} exists: export writes a new file (remove it or choose another name)`);
    throw new CliError(`cannot open ${path}: ${code ?? (error as Error).message}`);
  }
}

function describeOutcome(o: ImportOutcome): string {
  const who = o.username === undefined ? "" : ` (${o.username})`;
  return o.status === "refused"
    ? `line ${o.line}${who}: refused: ${o.reason}`
    : `line ${o.line}${who}: ${o.status}`;
}

/** `frontdesk user import FILE|-` and `frontdesk user export [FILE]` (docs/migrating-users.md). */
export function registerUserFileCommands(user: Command): void {
  withGlobals(
    user
      .command("import")
      .argument("<file>", "users file, one JSON object per line (- for standard input)")
      .description(
        "create users from a file, keeping their password hashes (bcrypt, scrypt, PBKDF2, argon2, Firebase)",
      ),
  )
    .option(
      "--firebase-signer-key <base64>",
      "Firebase: base64_signer_key of the project's password hash parameters",
    )
    .option("--firebase-salt-separator <base64>", "Firebase: base64_salt_separator")
    .option("--firebase-rounds <n>", "Firebase: rounds")
    .option("--firebase-mem-cost <n>", "Firebase: mem_cost")
    .action((file: string, o: ImportOptions) =>
      withContext(o, async (ctx, out) => {
        const firebase = firebaseConfig(o);
        const handle = file === "-" ? undefined : await openFile(file, "r");
        const input = handle ? handle.createReadStream({ encoding: "utf8" }) : process.stdin;
        const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
        const outcomes: ImportOutcome[] = [];
        try {
          for await (const outcome of importUsers(ctx, lines, { firebase })) outcomes.push(outcome);
        } finally {
          lines.close();
          await handle?.close();
        }
        const count = (status: ImportOutcome["status"]) => outcomes.filter((x) => x.status === status).length;
        const summary = { created: count("created"), exists: count("exists"), refused: count("refused") };
        out.result({ ...summary, lines: outcomes }, () =>
          [
            ...outcomes.filter((x) => x.status === "refused").map(describeOutcome),
            `${summary.created} created, ${summary.exists} already there (left as they are), ${summary.refused} refused`,
          ].join("\n"),
        );
        if (summary.refused > 0)
          throw new CliError(
            `${summary.refused} of ${outcomes.length} lines refused; nothing was changed for them`,
          );
      }),
    );
  withGlobals(
    user
      .command("export")
      .argument(
        "[file]",
        "new file to write (mode 0600: it holds password hashes); standard output without one",
      )
      .description("write every user, with their password hash, in the format of user import"),
  ).action((file: string | undefined, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const toStdout = file === undefined || file === "-";
      if (toStdout && o.json)
        throw new CliError("--json needs a FILE: without one the users go to standard output");
      // Oldest first; users made in the same second by username.
      const users = (await ctx.durable.users.list()).sort(
        (a, b) => a.createdAt - b.createdAt || (a.username < b.username ? -1 : 1),
      );
      const text = users.map((u) => `${JSON.stringify(userLine(u))}\n`).join("");
      if (toStdout) {
        process.stdout.write(text);
        return;
      }
      const handle = await openFile(file, "wx", 0o600);
      try {
        await handle.writeFile(text, "utf8");
      } finally {
        await handle.close();
      }
      out.result(
        { exported: users.length, file },
        () => `exported ${users.length} users to ${file} (mode 0600)`,
      );
    }),
  );
}
