import { defineFeature } from "../contract.js";
import { forwardAuthRoutes } from "./routes.js";

/** Forward-auth for gateways: a session cookie in, a short-lived internal JWT out. */
export const forwardAuthFeature = defineFeature({
  name: "forwardAuth",
  build: (services) => ({ routes: forwardAuthRoutes(services) }),
});
