import { once } from "node:events";
import type { AddressObject } from "mailparser";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { startTestServer, type TestConfig, type TestServer } from "./server.js";

/** One message the test SMTP server accepted, parsed. */
export interface ReceivedMessage {
  /** SMTP envelope: MAIL FROM and RCPT TO. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** Header addresses, parsed. */
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML part as sent ("" when there is none). */
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
  /** The whole message as received. */
  raw: string;
}

export interface SmtpRefusal {
  /** 4xx: try again later; 5xx: do not. */
  code: number;
  message: string;
}

export interface TestSmtp {
  /** `smtp://[user:pass@]127.0.0.1:PORT`: give it to a server as smtpUrl. */
  url: string;
  port: number;
  /** smtpUrl and emailFrom pointing at this server, to spread into a test server's configuration. */
  config: { smtpUrl: string; emailFrom: string };
  /** Every message accepted so far, in order. */
  received: ReceivedMessage[];
  /**
   * The first message to `to` (and with that subject) not already handed out by an
   * earlier call, waiting up to `timeoutMs` for it to arrive.
   */
  waitForMessage(
    match: { to: string; subject?: string | RegExp },
    timeoutMs?: number,
  ): Promise<ReceivedMessage>;
  /** Every accepted message to `to`. */
  messagesTo(to: string): ReceivedMessage[];
  /** Answers every message with this error from now on (undefined: accept again). */
  refuse(refusal: SmtpRefusal | undefined): void;
  /** An outage: stops listening (connections are refused) until `start`. */
  stop(): Promise<void>;
  /** Listens again, on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Addresses of a header field, lowercased. */
function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => (v.address ?? "").toLowerCase()));
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a random port, for
 * tests: it accepts every message (plain SMTP, no STARTTLS; with `auth`, only that
 * user and password), parses it with `mailparser` and keeps it.
 */
export async function startSmtpServer(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<TestSmtp> {
  const received: ReceivedMessage[] = [];
  const handedOut = new Set<ReceivedMessage>();
  const arrivals = new Set<() => void>();
  let refusal: SmtpRefusal | undefined;

  const serverOptions: SMTPServerOptions = {
    logger: false,
    disabledCommands: ["STARTTLS"],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    size: 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass)
        return callback(null, { user: auth.username });
      return callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (refusal) {
          return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: addresses(parsed.from)[0] ?? "",
              to: addresses(parsed.to),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: parsed.html || "",
              messageId: parsed.messageId ?? "",
              headers: parsed.headers,
              raw,
            });
            for (const notify of arrivals) notify();
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  };

  let server: SMTPServer | undefined;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer(serverOptions);
    server.on("error", () => {});
    const listening = server.listen(port, "127.0.0.1");
    await once(listening, "listening");
    const address = listening.address();
    port = typeof address === "object" && address ? address.port : port;
  };
  const shut = async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  await listen();

  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : "";
  const url = `smtp://${credentials}127.0.0.1:${port}`;
  const matches = (m: ReceivedMessage, match: { to: string; subject?: string | RegExp }) =>
    m.envelopeTo.includes(match.to.toLowerCase()) &&
    (match.subject === undefined ||
      (typeof match.subject === "string" ? m.subject === match.subject : match.subject.test(m.subject)));

  return {
    url,
    port,
    config: { smtpUrl: url, emailFrom: "Frontdesk <no-reply@frontdesk.test>" },
    received,
    messagesTo: (to) => received.filter((m) => m.envelopeTo.includes(to.toLowerCase())),
    async waitForMessage(match, timeoutMs = 10_000) {
      const take = () => {
        const found = received.find((m) => !handedOut.has(m) && matches(m, match));
        if (found) handedOut.add(found);
        return found;
      };
      const now = take();
      if (now) return now;
      return new Promise<ReceivedMessage>((resolve, reject) => {
        const check = () => {
          const found = take();
          if (!found) return;
          clearTimeout(timer);
          arrivals.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          arrivals.delete(check);
          reject(
            new Error(
              `no message to ${match.to}${match.subject ? ` with subject ${match.subject}` : ""} within ${timeoutMs} ms (received: ${received.map((m) => `${m.envelopeTo.join(",")}: ${m.subject}`).join("; ") || "none"})`,
            ),
          );
        }, timeoutMs);
        arrivals.add(check);
      });
    },
    refuse(next) {
      refusal = next;
    },
    stop: shut,
    async start() {
      if (!server) await listen();
    },
    close: shut,
  };
}

/**
 * The link in a message's text part whose path starts with `pathPrefix`
 * (`/account/verify-email`): absolute, as the message has it. Throws when there is none.
 */
export function linkIn(message: Pick<ReceivedMessage, "text">, pathPrefix: string): string {
  for (const [candidate] of message.text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    const url = new URL(candidate);
    // The issuer may have a path of its own (https://example.com/auth/account/…).
    if (url.pathname.includes(pathPrefix)) return candidate;
  }
  throw new Error(`no link to ${pathPrefix} in the message:\n${message.text}`);
}

/** A test server whose smtpUrl points at a fresh test SMTP server (both closed by `close`). */
export async function startTestServerWithSmtp(
  overrides: TestConfig = {},
  options: { auth?: { user: string; pass: string } } = {},
): Promise<{ server: TestServer; smtp: TestSmtp; close(): Promise<void> }> {
  const smtp = await startSmtpServer(options);
  const server = await startTestServer({ ...smtp.config, ...overrides });
  return {
    server,
    smtp,
    async close() {
      await server.close();
      await smtp.close();
    },
  };
}
