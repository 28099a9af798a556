import { defineFeature } from "../contract.js";
import { END_SESSION_PATH, logoutRoutes } from "./routes.js";

/** OpenID Connect RP-Initiated Logout: the end-session endpoint. */
export const logoutFeature = defineFeature({
  name: "logout",
  build: (services) => ({
    routes: logoutRoutes(services),
    metadata: () => ({ end_session_endpoint: `${services.config.issuer}${END_SESSION_PATH}` }),
  }),
});
