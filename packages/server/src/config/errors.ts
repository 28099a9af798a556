/** A configuration problem: names the key and says how to fix it. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, options);
    this.name = "ConfigError";
  }
}
