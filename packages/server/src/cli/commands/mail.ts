import type { Command } from "commander";
import type { MailOutboxRecord } from "../../storage/durable/types.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

/** A message as an operator sees it: who, what, how it went; never its body (links are secrets). */
function describeMessage(m: MailOutboxRecord) {
  return {
    id: m.id,
    kind: m.kind,
    to: m.recipient,
    subject: m.subject,
    status: m.status,
    attempts: m.attempts,
    last_error: m.lastError,
    created_at: Math.floor(m.createdAt / 1000),
    next_attempt_at: m.status === "pending" ? Math.floor(m.dueAt / 1000) : null,
  };
}

/** `frontdesk mail list|retry`: the outbox of email not delivered yet, or given up on. */
export function registerMailCommands(program: Command): void {
  const mail = program.command("mail").description("the outbox of email still to deliver");
  withGlobals(
    mail.command("list").description("messages not delivered yet (pending) or given up on (failed)"),
  )
    .option("--failed", "only the messages given up on")
    .action((o: GlobalOptions & { failed?: boolean }) =>
      withContext(o, async (ctx, out) => {
        const messages = (await ctx.durable.mailOutbox.list(o.failed ? "failed" : undefined)).map(
          describeMessage,
        );
        out.result(
          { messages },
          () =>
            messages
              .map(
                (m) =>
                  `${m.id}  ${m.status}  ${m.kind}  ${m.to}  attempts=${m.attempts}${m.last_error ? `  ${m.last_error}` : ""}`,
              )
              .join("\n") || "(no messages)",
        );
      }),
    );
  withGlobals(
    mail
      .command("retry")
      .argument("[id]", "one message's id (default: every failed message)")
      .description("send failed messages again (after fixing what made them fail)"),
  ).action((id: string | undefined, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const requeued = await ctx.durable.mailOutbox.requeueFailed(Date.now(), id);
      if (id !== undefined && requeued === 0) throw new CliError(`no failed message ${id}`);
      out.result({ requeued }, () => `${requeued} message(s) queued again`);
    }),
  );
}
