import { z } from "zod";
import { type ApiRoute, ErrorBody, rolesOf } from "./apiRoute.ts";
import { components } from "./components.ts";

type Json = Record<string, unknown>;
const REF = "#/components/schemas/";

/**
 * A zod schema as JSON Schema (2020-12, as OpenAPI 3.1 takes it), named schemas referenced
 * from `components.schemas` rather than copied.
 */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  // named schemas come back in $defs: they are in components.schemas instead
  const {
    $schema: _schema,
    $defs: _defs,
    ...rest
  } = z.toJSONSchema(schema, { metadata: components, io, unrepresentable: "any" }) as Json;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${REF}`)) as Json;
}

/** `/releases/:id/scores` as OpenAPI writes it: `/releases/{id}/scores`. */
export const openapiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

const STANDARD: Record<number, string> = {
  400: "a parameter or body field is missing, malformed or unknown (the message names it and what is allowed)",
  401: "sign in or send a valid token",
  403: "the role may not do this (or a browser write without the CSRF token)",
};

function operation(route: ApiRoute): Json {
  const parameters: Json[] = [];
  for (const [where, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, "input") as { properties?: Json; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property as Json;
      parameters.push({
        name,
        in: where,
        required: where === "path" || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  const responses: Json = {};
  const error = { "application/json": { schema: { $ref: `${REF}Error` } } };
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { "application/json": { schema: jsonSchema(response.schema, "output") } } }
        : response.contentType
          ? { content: { [response.contentType]: { schema: { type: "string", format: "binary" } } } }
          : // every error is answered as { error: { code, message } } (createApp's one error handler)
            Number(status) >= 400
            ? { content: error }
            : {}),
    };
  }
  for (const [status, description] of Object.entries(STANDARD)) {
    if (status === "400" && !route.params && !route.query && !route.body) continue;
    if (status !== "400" && !route.capability) continue;
    responses[status] ??= { description, content: error };
  }
  return {
    // grouped in the viewer by the path's first segment (studies, uploads, releases, admin, ...)
    tags: [route.path.split("/")[1]],
    summary: `${route.summary} (${rolesOf(route)})`,
    ...(route.capability ? {} : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              [route.multipart ? "multipart/form-data" : "application/json"]: {
                schema: jsonSchema(route.body, "input"),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  components: { securitySchemes: Json; schemas: Record<string, Json> };
  security: Json[];
  paths: Record<string, Record<string, Json>>;
}

/** The OpenAPI 3.1 document of `routes` (paths relative to `servers[0]`, /api/v1). */
export function openapiDocument(routes: readonly ApiRoute[], info: OpenApiDocument["info"]): OpenApiDocument {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openapiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  const named = (
    z.toJSONSchema(components, { io: "output", uri: (id) => `${REF}${id}` }) as {
      schemas: Record<string, Json>;
    }
  ).schemas;
  const schemas = Object.fromEntries(
    Object.entries(named).map(([id, { $schema: _, $id: __, ...rest }]) => [id, rest]),
  );
  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/api/v1" }],
    components: {
      securitySchemes: {
        token: { type: "http", scheme: "bearer" },
        session: { type: "apiKey", in: "cookie", name: "barometer_session" },
      },
      schemas: { Error: jsonSchema(ErrorBody, "output"), ...schemas },
    },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}
