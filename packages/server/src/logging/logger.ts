import { isatty } from "node:tty";
import pino, { type Logger } from "pino";

/** `json`: one JSON object a line; `pretty`: `time LEVEL message key=value`; `auto`: pretty on a terminal. */
export type LogFormat = "auto" | "json" | "pretty";

/** Structured logger. Credentials never reach it: these paths are censored wherever they appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "frontdesk" },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "req.headers.dpop",
          "res.headers['set-cookie']",
          "*.password",
          "*.client_secret",
          "*.token",
          "*.access_token",
          "*.refresh_token",
          "*.id_token",
          "*.code",
        ],
        censor: "[redacted]",
      },
      serializers: {
        // Paths only: query strings can carry codes and state.
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split("?")[0],
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    },
    destination,
  );
}

/**
 * Where a process logs: standard output (fd 1) or standard error (fd 2), as JSON lines
 * or, for `pretty` (and `auto` on a terminal), as readable lines. No transport and no
 * worker thread: the readable form is made from pino's JSON line as it is written.
 */
export function logDestination(format: LogFormat, fd: 1 | 2 = 1): pino.DestinationStream {
  const out = fd === 2 ? process.stderr : process.stdout;
  if (format === "pretty" || (format === "auto" && isatty(fd))) return prettyStream(out);
  return pino.destination(fd);
}

/** A pino destination that writes each JSON line to `out` in the readable form. */
export function prettyStream(out: { write(text: string): unknown }): pino.DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line) out.write(`${formatLogLine(line)}\n`);
    },
  };
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** Fields every line has (or pino's base): not repeated as key=value. */
const SHOWN_OR_CONSTANT = new Set(["level", "time", "msg", "service", "pid", "hostname", "err"]);

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function clock(time: unknown): string {
  const date = new Date(typeof time === "number" || typeof time === "string" ? time : Date.now());
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

/** `req: {method, path}` becomes `req.method=GET req.path=/token`; arrays stay JSON. */
function fields(record: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(record).flatMap(([key, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? fields(v as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}=${value(v)}`],
  );
}

/**
 * One pino JSON line as `12:00:03.141 INFO  message key=value …` (local time); an error's
 * stack follows on indented lines. A line that is not a JSON object is returned as it is.
 */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[record.level as number] ?? String(record.level ?? "");
  const rest = Object.fromEntries(Object.entries(record).filter(([k]) => !SHOWN_OR_CONSTANT.has(k)));
  const err = record.err as { type?: string; message?: string; stack?: string } | undefined;
  const parts = [clock(record.time), level.padEnd(5), String(record.msg ?? "")];
  if (err && typeof err === "object") parts.push(`err=${value(err.message ?? err.type ?? "")}`);
  parts.push(...fields(rest));
  const head = parts.filter(Boolean).join(" ");
  const stack = err && typeof err === "object" && typeof err.stack === "string" ? err.stack : "";
  return stack
    ? `${head}\n${stack
        .split("\n")
        .map((l) => `    ${l.trim()}`)
        .join("\n")}`
    : head;
}
