export { buildApp } from "./app.js";
export { ConfigError } from "./config/errors.js";
export { loadConfig } from "./config/load.js";
export type { Config } from "./config/schema.js";
export { type RunningServer, startServer } from "./server.js";
export { closeContext, createContext } from "./services.js";
