import { type LoadOptions, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { featureSections } from "./features.js";

/** Loads the server's configuration, with every feature's section. */
export function loadServerConfig(options: Omit<LoadOptions, "features"> = {}): Config {
  return loadConfig({ ...options, features: featureSections() });
}
