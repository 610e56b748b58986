import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import { apiRoute, ErrorBody, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { principal } from "../auth/authenticate.ts";
import { HttpError } from "../HttpError.ts";

export const SavedQuery = named(
  "SavedQuery",
  z.object({
    name: z.string().min(1).max(200),
    sql: z.string().min(1).max(100_000),
    saved_at: z.string().meta({ format: "date-time" }),
  }),
);

export const listQueries = apiRoute({
  method: "get",
  path: "/queries",
  summary: "The SQL console's queries saved by the signed-in user (never another user's)",
  capability: "sql",
  responses: {
    200: { description: "saved queries, newest first", schema: z.object({ queries: z.array(SavedQuery) }) },
  },
});

export const saveQuery = apiRoute({
  method: "post",
  path: "/queries",
  summary: "Save a query under a name (the same name again replaces its text)",
  capability: "sql",
  body: SavedQuery.pick({ name: true, sql: true }).strict(),
  responses: { 200: { description: "saved", schema: z.object({ query: SavedQuery }) } },
});

export const deleteQuery = apiRoute({
  method: "delete",
  path: "/queries/:name",
  summary: "Delete one of the user's saved queries",
  capability: "sql",
  params: z.object({ name: z.string().min(1).max(200) }),
  responses: {
    200: { description: "deleted", schema: z.object({ deleted: z.string() }) },
    404: { description: "the user has no query of that name", schema: ErrorBody },
  },
});

const ROWS =
  "select name, sql, strftime(saved_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as saved_at from saved_queries";

/** The SQL console's saved queries, in the app's database, each user's own. */
export function queriesRouter(db: Database): express.Router {
  const router = express.Router();
  mount(router, listQueries, [], async (_req, res) => {
    const queries = await db.query<z.infer<typeof SavedQuery>>(
      `${ROWS} where user_name = $1 order by saved_at desc, name`,
      [principal(res)!.user_name],
    );
    res.json({ queries });
  });
  mount(router, saveQuery, [express.json({ limit: "256kb" })], async (_req, res, { body }) => {
    const user = principal(res)!.user_name;
    await db.run(
      `insert or replace into saved_queries (user_name, name, sql, saved_at) values ($1, $2, $3, now())`,
      [user, body.name, body.sql],
    );
    const [query] = await db.query<z.infer<typeof SavedQuery>>(`${ROWS} where user_name = $1 and name = $2`, [
      user,
      body.name,
    ]);
    res.json({ query });
  });
  mount(router, deleteQuery, [], async (_req, res, { params }) => {
    const user = principal(res)!.user_name;
    const [gone] = await db.query<{ name: string }>(
      "delete from saved_queries where user_name = $1 and name = $2 returning name",
      [user, params.name],
    );
    if (!gone) throw new HttpError(404, "no_query", `no saved query named ${JSON.stringify(params.name)}`);
    res.json({ deleted: gone.name });
  });
  return router;
}
