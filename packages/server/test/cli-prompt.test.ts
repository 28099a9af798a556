import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/cli/output.js";
import { promptNewPassword, readHidden, type TerminalInput } from "../src/cli/prompt.js";

/** A fake terminal: records raw mode and what is written; `type` sends keys as a terminal does. */
function fakeTerminal() {
  const events = new EventEmitter();
  const modes: boolean[] = [];
  const written: string[] = [];
  const input: TerminalInput & { isRaw: boolean } = {
    isRaw: false,
    setRawMode(mode: boolean) {
      modes.push(mode);
      input.isRaw = mode;
    },
    on: (event, listener) => events.on(event, listener),
    removeListener: (event, listener) => events.removeListener(event, listener),
    resume: () => undefined,
    pause: () => undefined,
  };
  return {
    input,
    modes,
    output: { write: (text: string) => written.push(text) },
    written,
    type: (...keys: string[]) => {
      for (const key of keys) events.emit("data", Buffer.from(key));
    },
  };
}

describe("user create --password-stdin on a terminal: the hidden prompt", () => {
  it("prompts on the given output, reads in raw mode (no echo) until Enter, and restores the terminal", async () => {
    const tty = fakeTerminal();
    const answer = readHidden("Password: ", tty.input, tty.output);
    // Raw mode is on before the prompt shows.
    expect(tty.modes).toEqual([true]);
    expect(tty.written).toEqual(["Password: "]);
    tty.type("s3cr", "et\u007f\u007fet", "\u001b[D", " é\r");
    expect(await answer).toBe("s3cret é");
    expect(tty.modes).toEqual([true, false]);
    expect(tty.written).toEqual(["Password: ", "\n"]);
    expect(tty.written.join("")).not.toContain("s3cret");
  });

  it("Ctrl-U clears what was typed; Ctrl-C cancels with exit code 130", async () => {
    const tty = fakeTerminal();
    const cleared = readHidden("Password: ", tty.input, tty.output);
    tty.type("wrong", "\u0015", "right\n");
    expect(await cleared).toBe("right");
    const cancelled = readHidden("Password: ", tty.input, tty.output);
    tty.type("abc\u0003");
    const error = await cancelled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(130);
    expect(tty.input.isRaw).toBe(false);
  });

  it("asks twice and refuses two different passwords", async () => {
    const tty = fakeTerminal();
    const same = promptNewPassword(tty.input, tty.output);
    tty.type("correct horse\r");
    await new Promise((settled) => setImmediate(settled)); // the second prompt is up
    tty.type("correct horse\r");
    expect(await same).toBe("correct horse");
    expect(tty.written.join("")).toBe("Password: \nConfirm password: \n");

    const differ = promptNewPassword(tty.input, tty.output);
    tty.type("one password\r");
    await new Promise((settled) => setImmediate(settled)); // the second prompt is up
    tty.type("another one\r");
    await expect(differ).rejects.toThrow("the two passwords differ; nothing was created");
  });
});
