import { defineFeature } from "../contract.js";
import { revocationFeedRoutes } from "./routes.js";

/** The HTTP revocation feed guards long-poll (docs/revocation-feed.md). */
export const revocationFeedFeature = defineFeature({
  name: "revocationFeed",
  build: (services) => ({ routes: revocationFeedRoutes(services) }),
});
