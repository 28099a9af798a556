import { defineFeature } from "../contract.js";
import { accountRoutes } from "./routes.js";

/** The person's account page: sessions and the applications they granted access. */
export const accountFeature = defineFeature({
  name: "account",
  build: (services) => ({ routes: accountRoutes(services) }),
});
