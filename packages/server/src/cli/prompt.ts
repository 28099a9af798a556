import { StringDecoder } from "node:string_decoder";
import { CliError } from "./output.js";

/** The part of a terminal's input stream (`process.stdin` on a TTY) a hidden prompt uses. */
export interface TerminalInput {
  isRaw?: boolean;
  setRawMode(mode: boolean): unknown;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * Asks for a secret on a terminal without echoing it: writes `prompt` to `output`
 * (stderr, so stdout stays the result), reads keys in raw mode until Enter.
 * Backspace deletes, Ctrl-U clears, Ctrl-C cancels (exit 130), Ctrl-D ends the input.
 */
export function readHidden(
  prompt: string,
  input: TerminalInput,
  output: { write(text: string): unknown },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    const wasRaw = Boolean(input.isRaw);
    let value = "";
    // Raw mode before the prompt: keys typed as soon as it shows are never echoed.
    input.setRawMode(true);
    output.write(prompt);
    const finish = (error?: Error) => {
      input.removeListener("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
      // An escape sequence (arrow keys, function keys) is one chunk: ignored whole.
      if (text.startsWith("\u001b")) return;
      for (const char of text) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003") return finish(new CliError("cancelled", 130));
        if (char === "\u0004") return value ? finish() : finish(new CliError("no password given"));
        if (char === "\u007f" || char === "\b") value = Array.from(value).slice(0, -1).join("");
        else if (char === "\u0015") value = "";
        else if (char >= " ") value += char;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}

/** A new password typed twice on a terminal, without echo; refused when the two differ. */
export async function promptNewPassword(
  input: TerminalInput,
  output: { write(text: string): unknown },
): Promise<string> {
  const password = await readHidden("Password: ", input, output);
  const again = await readHidden("Confirm password: ", input, output);
  if (password !== again) throw new CliError("the two passwords differ; nothing was created");
  return password;
}

/** A pipe or file: the whole of standard input, less one final newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
