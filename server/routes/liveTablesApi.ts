import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { z } from "zod";
import { type Database, quoteIdent } from "../../db/index.ts";
import { personalRules } from "../../ingest/personalRules.ts";
import { message } from "../../messages/catalogue.ts";
import { isAnalyticsRelation } from "../analytics.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { principal } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { HttpError } from "../HttpError.ts";
import { requestLang } from "../requestLang.ts";
import { studyById } from "./uploads.ts";

export const liveTableRoute = apiRoute({
  method: "get",
  path: "/tables/:name/parquet",
  summary:
    "A table as the live database holds it now, as Parquet: a study's raw answers (without its personal columns) or a table the models build. For `barometer estimate --table` while the server runs (the SQL console reads the analytics snapshot, which holds no raw table)",
  capability: "sql",
  params: z.object({ name: z.string().regex(/^[A-Za-z0-9_]{1,200}$/) }),
  responses: {
    200: { description: "the table, Parquet", contentType: "application/vnd.apache.parquet" },
    404: { description: "no such table, or not one this route gives" },
  },
});

const RAW = /^raw_responses__(.+)$/;

/**
 * GET /api/v1/tables/{name}/parquet. Only the study's raw table and analytics relations (the
 * ones the snapshot may hold); never users, tokens, audit, quarantine or uploads. A raw table
 * leaves out every column study.yaml names personal (hashed or dropped): personal data never
 * leaves the raw table's hashed columns. Each read is audited as the SQL console's queries are.
 */
export function liveTablesRouter(db: Database): express.Router {
  const router = express.Router();
  mount(router, liveTableRoute, [], async (req, res, { params: { name } }) => {
    const lang = requestLang(req);
    const unknown = () =>
      new HttpError(404, "no_table", message("api.live_table_unknown", lang, { table: name }));
    const raw = RAW.exec(name);
    if (!raw && !isAnalyticsRelation(name)) throw unknown();
    const columns = (
      await db.query<{ column_name: string }>(
        `select column_name from duckdb_columns() where schema_name = 'main' and table_name = $1 order by column_index`,
        [name],
      )
    ).map((c) => c.column_name);
    if (columns.length === 0) throw unknown();
    let shown = columns;
    if (raw) {
      const study = await studyById(db, raw[1]).catch(() => {
        throw unknown();
      });
      const personal = personalRules(study);
      shown = columns.filter((c) => !personal.has(c));
    }
    const file = join(tmpdir(), `barometer-table-${process.pid}-${randomBytes(6).toString("hex")}.parquet`);
    try {
      // COPY takes no bound path; the path is ours, quoted as a literal
      await db.run(
        `copy (select ${shown.map(quoteIdent).join(", ")} from ${quoteIdent(name)}) to '${file.replaceAll("'", "''")}' (format parquet)`,
      );
      await audit(db, principal(res)?.user_name ?? null, "read_table", {
        table: name,
        columns: shown.length,
      });
      res.type("application/vnd.apache.parquet").attachment(`${name}.parquet`);
      await new Promise<void>((resolve, reject) => {
        res.sendFile(file, (error) => (error ? reject(error) : resolve()));
      });
    } finally {
      rmSync(file, { force: true });
    }
  });
  return router;
}
