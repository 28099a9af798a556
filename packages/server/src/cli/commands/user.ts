import type { Command } from "commander";
import { invitationEmail } from "../../pages/account-emails.js";
import { inviteUser } from "../../users/invitations.js";
import {
  createUser,
  deleteUser,
  describeUser,
  disableUser,
  enableUser,
  findUser,
  InvalidUserInput,
  revokeUser,
  setEmail,
} from "../../users/users.js";
import { CliError } from "../output.js";
import { promptNewPassword, readStdin } from "../prompt.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";
import { registerUserFileCommands } from "./user-file.js";
import { registerUserIdentityCommands } from "./user-identities.js";
import { registerUserMfaCommands } from "./user-mfa.js";

interface CreateOptions extends GlobalOptions {
  username: string;
  password?: string;
  passwordStdin?: boolean;
  email?: string;
  emailVerified?: boolean;
  tenant?: string;
  roles?: string;
}

interface InviteOptions extends GlobalOptions {
  email: string;
  username?: string;
  roles?: string;
  tenant?: string;
}

/** `--roles a,b`: the trimmed, non-empty names. */
function rolesOption(roles: string | undefined): string[] | undefined {
  return roles
    ?.split(",")
    .map((r) => r.trim())
    .filter(Boolean);
}

/** `--password-stdin`: on a terminal a prompt (on stderr) and no echo, asked twice; otherwise standard input as it is. */
function readPassword(): Promise<string> {
  return process.stdin.isTTY ? promptNewPassword(process.stdin, process.stderr) : readStdin();
}

/** `frontdesk user create|invite|set-email|list|disable|enable|delete|revoke|unlock|identities|identity`. */
export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("people who sign in");
  registerUserFileCommands(user); // user import, user export
  registerUserIdentityCommands(user); // user identities, user identity remove
  registerUserMfaCommands(user); // user reset-mfa
  withGlobals(user.command("create").description("create a user (password hashed with argon2id)"))
    .requiredOption("--username <name>", "sign-in name")
    .option("--password <password>", "password (prefer --password-stdin: arguments show in process lists)")
    .option(
      "--password-stdin",
      "read the password from standard input (on a terminal: asked twice, not shown)",
    )
    .option("--email <email>", "e-mail address (a verification message is sent to it)")
    .option("--email-verified", "the address is known to be the user's: mark it verified, send no message")
    .option("--tenant <tenant>", "tenant, carried in forward-auth tokens")
    .option("--roles <roles>", "comma-separated roles, carried in forward-auth tokens")
    .action((o: CreateOptions) =>
      withContext(o, async (ctx, out) => {
        const password = o.passwordStdin ? await readPassword() : o.password;
        if (password === undefined) throw new CliError("give --password or --password-stdin");
        try {
          const created = await createUser(ctx, {
            username: o.username,
            password,
            email: o.email,
            emailVerified: o.emailVerified,
            tenant: o.tenant,
            roles: rolesOption(o.roles),
          });
          const sent = await ctx.emailVerification.send(created);
          out.result(
            { id: created.id, username: created.username, verification_sent: sent },
            () =>
              `created user ${created.username} (${created.id})${sent ? `; verification message sent to ${created.email}` : ""}`,
          );
        } catch (error) {
          if (error instanceof InvalidUserInput) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(
    user
      .command("set-email")
      .argument("<user>", "id or username")
      .argument("<email>", "the new address")
      .description("change a user's e-mail address (unverified: a verification message is sent to it)"),
  )
    .option("--email-verified", "the address is known to be the user's: mark it verified, send no message")
    .action((name: string, email: string, o: GlobalOptions & { emailVerified?: boolean }) =>
      withContext(o, async (ctx, out) => {
        const found = await findUser(ctx, name);
        if (!found) throw new CliError(`no user ${name}`);
        try {
          const changed = await setEmail(ctx, found, email, { verified: o.emailVerified });
          const sent = await ctx.emailVerification.send(changed);
          out.result(
            {
              id: changed.id,
              email: changed.email,
              email_verified: changed.emailVerified,
              verification_sent: sent,
            },
            () =>
              `${changed.username}: ${changed.email}${sent ? " (verification message sent)" : changed.emailVerified ? " (verified)" : ""}`,
          );
        } catch (error) {
          if (error instanceof InvalidUserInput) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(
    user
      .command("invite")
      .description("email a single-use link (7 days) with which the person creates their account"),
  )
    .requiredOption("--email <email>", "their e-mail address: the link goes there, and it is verified by it")
    .option("--username <name>", "their username (otherwise they choose one)")
    .option("--roles <roles>", "comma-separated roles of the account")
    .option("--tenant <tenant>", "tenant of the account")
    .action((o: InviteOptions) =>
      withContext(o, async (ctx, out) => {
        try {
          const sent = await inviteUser(
            ctx,
            { email: o.email, username: o.username, roles: rolesOption(o.roles), tenant: o.tenant },
            (url, days) => invitationEmail({ issuer: ctx.config.issuer, url, days }),
          );
          out.result(
            { invited: sent.email, expires_at: sent.expires_at },
            () =>
              `invited ${sent.email}: the link works once, until ${new Date(sent.expires_at * 1000).toISOString()}`,
          );
        } catch (error) {
          if (error instanceof InvalidUserInput) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(user.command("list").description("list users")).action((o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const users = (await ctx.durable.users.list()).map(describeUser);
      out.result(
        { users },
        () =>
          users.map((u) => `${u.id}  ${u.username}${u.disabled ? "  (disabled)" : ""}`).join("\n") ||
          "(no users)",
      );
    }),
  );
  withGlobals(
    user
      .command("disable")
      .argument("<user>", "id or username")
      .description("disable sign-in and revoke everything"),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      await disableUser(ctx, found);
      out.result({ disabled: found.id }, () => `disabled ${found.username}`);
    }),
  );
  withGlobals(
    user
      .command("enable")
      .argument("<user>", "id or username")
      .description("allow a disabled user to sign in again"),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      await enableUser(ctx, found);
      out.result({ enabled: found.id }, () => `enabled ${found.username}`);
    }),
  );
  withGlobals(
    user
      .command("delete")
      .argument("<user>", "id or username")
      .description(
        "revoke everything the user holds, then delete the user, their consents and refresh tokens",
      ),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      const result = await deleteUser(ctx, found);
      out.result(
        { deleted: found.id, ...result },
        () =>
          `deleted ${found.username}: ${result.sessions} sessions, ${result.families} refresh-token families, ${result.grants} consents`,
      );
    }),
  );
  withGlobals(
    user
      .command("revoke")
      .argument("<user>", "id or username")
      .description("end every session and refresh token, revoke every access token"),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      const result = await revokeUser(ctx, found);
      out.result(
        { revoked: found.id, ...result },
        () =>
          `revoked ${found.username}: ${result.sessions} sessions, ${result.families} refresh-token families`,
      );
    }),
  );
  withGlobals(
    user
      .command("unlock")
      .argument("<user>", "id or username")
      .description("clear the user's sign-in throttling counters"),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      await ctx.loginThrottle.unlock(found.username);
      out.result({ unlocked: found.id }, () => `unlocked ${found.username}`);
    }),
  );
}
