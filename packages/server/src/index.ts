export { ConfigError } from "./config/errors.js";
export type { Config } from "./config/schema.js";
export { buildApp } from "./main/app.js";
export { loadServerConfig as loadConfig } from "./main/config.js";
export { type RunningServer, startServer } from "./main/server.js";
export { closeContext, createContext } from "./main/services.js";
