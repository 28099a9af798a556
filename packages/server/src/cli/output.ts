/** How a command prints: one JSON object with --json, readable text otherwise. */
export interface Output {
  json: boolean;
  result(value: Record<string, unknown>, text: () => string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
    },
  };
}

/** A failure the user can fix: printed without a stack trace, exit code 1 (2 for configuration). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
