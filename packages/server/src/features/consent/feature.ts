import { defineFeature } from "../contract.js";
import { consentRoutes } from "./routes.js";

/** The consent page, and the resume step every interaction page returns to. */
export const consentFeature = defineFeature({
  name: "consent",
  required: true,
  build: (services) => ({ routes: consentRoutes(services) }),
});
