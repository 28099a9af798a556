import type { FirebaseHashConfig } from "./password-hashes/index.js";
import { readUserLine } from "./user-file.js";
import { createUser, InvalidUserInput, type NewUser, type UserRevocationDeps } from "./users.js";

/** What became of one line of a users file. */
export type ImportOutcome =
  | { line: number; status: "created"; username: string; id: string }
  | { line: number; status: "exists"; username: string; id: string }
  | { line: number; status: "refused"; username?: string; reason: string };

export interface ImportOptions {
  /** Firebase's project parameters for lines that do not carry them. */
  firebase?: Partial<FirebaseHashConfig>;
}

/** Lines longer than this are refused unread (a users file line is well under 4 KiB). */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Imports a users file (docs/migrating-users.md), one outcome per non-blank line, in
 * order. A line whose username exists is left alone (`exists`): a second run of the
 * same file changes nothing. A refused line changes nothing and says why; so does a
 * username repeated in the file (after its first line). Users are made by
 * `createUser`, with its rules.
 */
export async function* importUsers(
  ctx: Pick<UserRevocationDeps, "durable">,
  lines: AsyncIterable<string>,
  options: ImportOptions = {},
): AsyncGenerator<ImportOutcome> {
  const seen = new Map<string, number>();
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, "") : raw).trim();
    if (text === "") continue;
    if (text.length > MAX_LINE_LENGTH) {
      yield { line, status: "refused", reason: `longer than ${MAX_LINE_LENGTH} characters` };
      continue;
    }
    const read = readUserLine(text, options.firebase);
    const username = read.refused === undefined ? read.user.username : read.username;
    const first = username === undefined ? undefined : seen.get(username);
    if (username !== undefined && first === undefined) seen.set(username, line);
    if (first !== undefined) {
      yield {
        line,
        status: "refused",
        username,
        reason: `username "${username}" is repeated: first on line ${first}`,
      };
      continue;
    }
    if (read.refused !== undefined) {
      yield {
        line,
        status: "refused",
        ...(username !== undefined ? { username } : {}),
        reason: read.refused,
      };
      continue;
    }
    yield await importOne(ctx, line, read.user);
  }
}

async function importOne(
  ctx: Pick<UserRevocationDeps, "durable">,
  line: number,
  user: NewUser,
): Promise<ImportOutcome> {
  const { username } = user;
  const existing = await ctx.durable.users.getByUsername(username);
  if (existing) return { line, status: "exists", username, id: existing.id };
  try {
    const created = await createUser(ctx, user);
    return { line, status: "created", username, id: created.id };
  } catch (error) {
    if (!(error instanceof InvalidUserInput)) {
      // Another import (or `user create`) made it between the lookup and the insert.
      const raced = await ctx.durable.users.getByUsername(username);
      if (raced) return { line, status: "exists", username, id: raced.id };
      throw error;
    }
    return { line, status: "refused", username, reason: error.message };
  }
}
