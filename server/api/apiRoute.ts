import { rmSync } from "node:fs";
import type express from "express";
import { z } from "zod";
import { ACCESS, type Capability } from "../auth/access.ts";
import { requireRole } from "../auth/authenticate.ts";
import { HttpError } from "../HttpError.ts";

export interface ApiResponse {
  description: string;
  /** The JSON body; absent for bodies that are not JSON (files) or not described further. */
  schema?: z.ZodType;
  /** Content type of a body that is not JSON (e.g. text/csv). */
  contentType?: string;
}

/**
 * One /api/v1 route: its method and path (Express form, `:id`), who may call it, and the zod
 * schemas of its path parameters, query and body, which both validate the request (`mount`)
 * and describe it in the OpenAPI document (openapi.ts), so the two cannot drift.
 */
export interface ApiRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  /** The access-table capability; null for the public health check. */
  capability: Capability | null;
  params?: P;
  query?: Q;
  body?: B;
  /** A multipart upload (described by `body`, read by multer before validation). */
  multipart?: boolean;
  responses: Record<number, ApiResponse>;
}

/** Declares a route (typed, kept as written). */
export function apiRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: ApiRoute<P, Q, B>,
): ApiRoute<P, Q, B> {
  return route;
}

/** The request, validated against the route's schemas. */
export interface ApiInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** A 400 naming the field, the value sent and what was expected (zod's first issue). */
function badInput(where: string, error: z.ZodError, sent: unknown): HttpError {
  const issue = error.issues[0]!;
  const field = issue.path.join(".");
  let value: unknown = sent;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  const text = value === undefined ? "" : JSON.stringify(value);
  const shown = text ? ` = ${text.length > 200 ? `${text.slice(0, 200)}…` : text}` : "";
  // a rule over the whole body (give this or that) names no field
  const what = field ? `${where} ${field}${shown}` : where.split(" ")[0];
  return new HttpError(400, "bad_parameter", `${what}: ${issue.message}`);
}

/** Validates the request's params, query and body with the route's schemas (400 otherwise). */
export function readInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: ApiRoute<P, Q, B>,
  req: express.Request,
): ApiInput<z.output<P>, z.output<Q>, z.output<B>> {
  const read = (where: string, schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const parsed = schema.safeParse(value ?? {});
    if (!parsed.success) throw badInput(where, parsed.error, value);
    return parsed.data;
  };
  return {
    params: read("path parameter", route.params, req.params) as z.output<P>,
    query: read("query parameter", route.query, req.query) as z.output<Q>,
    // a multipart upload's file is in req.file (multer), its other fields in req.body
    body: read(
      "body field",
      route.body,
      route.multipart ? { ...req.body, ...(req.file ? { file: req.file.originalname } : {}) } : req.body,
    ) as z.output<B>,
  };
}

type Handler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = (
  req: express.Request,
  res: express.Response,
  input: ApiInput<z.output<P>, z.output<Q>, z.output<B>>,
) => Promise<void> | void;

/**
 * Registers the route on `router` at its method and path, behind its role check and any
 * `middleware` (body parsers), with the validated input handed to `handler`.
 */
export function mount<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  router: express.Router,
  route: ApiRoute<P, Q, B>,
  middleware: express.RequestHandler[],
  handler: Handler<P, Q, B>,
): void {
  const guard = route.capability ? [requireRole(route.capability)] : [];
  router[route.method](route.path, ...guard, ...middleware, async (req, res) => {
    try {
      await handler(req, res, readInput(route, req));
    } finally {
      // an upload's temporary file goes, whether or not its fields were valid
      if (route.multipart && req.file) rmSync(req.file.path, { force: true });
    }
  });
}

/** Who may call a route, for its summary in the document. */
export function rolesOf(route: ApiRoute): string {
  if (!route.capability) return "public";
  const rule = ACCESS[route.capability];
  return rule === "public" ? "public" : rule.join(", ");
}

/** The error body every route answers with. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), message_zh: z.string().optional() }),
});
