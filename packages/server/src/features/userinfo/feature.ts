import { defineFeature } from "../contract.js";
import { USERINFO_PATH, userinfoRoutes } from "./routes.js";

/** OpenID Connect UserInfo (Core 5.3). */
export const userinfoFeature = defineFeature({
  name: "userinfo",
  build: (services) => ({
    routes: userinfoRoutes(services),
    corsPaths: [USERINFO_PATH],
    metadata: () => ({ userinfo_endpoint: `${services.config.issuer}${USERINFO_PATH}` }),
  }),
});
