import { defineFeature } from "../contract.js";
import { loginRoutes } from "./routes.js";

/** The sign-in page, with a username and password. */
export const loginFeature = defineFeature({
  name: "login",
  required: true,
  build: (services) => ({ routes: loginRoutes(services) }),
});
