import { API_ROUTES } from "./api/apiRoutes.ts";
import { openapiDocument } from "./api/openapiDocument.ts";

/**
 * The OpenAPI 3.1 description of /api/v1, served at /api/docs: made from the route
 * declarations whose zod schemas also validate each request (server/api/), so it cannot drift.
 */
export const openapi = openapiDocument(API_ROUTES, {
  title: "Barometer API",
  version: "1",
  description:
    "Survey figures for the third-party evaluation of mass organizations. Authenticate with `Authorization: Bearer <token>` (tokens from `barometer user token NAME`) or a browser session (writes then need the X-CSRF-Token header). Errors are JSON `{ error: { code, message } }`; a 400 names the parameter, the value sent and what is allowed.",
});
