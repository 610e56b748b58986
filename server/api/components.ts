import { z } from "zod";

/**
 * Named response schemas: each appears once under `components.schemas` in the OpenAPI
 * document and is referenced from the routes that answer with it.
 */
export const components = z.registry<{ id: string }>();

/** Names `schema` in the document's components. */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}
