import { defineFeature } from "../contract.js";
import { accountRoutes } from "./routes.js";

/** The person's account page: sessions, granted applications, the email address and its verification link. */
export const accountFeature = defineFeature({
  name: "account",
  build: (services) => ({ routes: accountRoutes(services) }),
});
