import { tableFromArrays, tableToIPC } from "apache-arrow";
import express from "express";
import type { Database } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import type { Analytics } from "../analytics.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { toCsv, toXlsx } from "../exports.ts";
import { HttpError } from "../HttpError.ts";
import { staleMessages } from "./staleBanner.ts";

const STATUS: Record<string, number> = {
  bad_request: 400,
  not_one_statement: 400,
  not_read_only: 403,
  forbidden: 403,
  syntax_error: 400,
  query_failed: 400,
  out_of_memory: 422,
  result_too_large: 422,
  timeout: 408,
  sandbox_crashed: 503,
  sandbox_unavailable: 503,
  busy: 429,
};

/**
 * Analysts' SQL, in the sandbox child process over the analytics snapshot: one read-only
 * statement, a row limit (with a `truncated` flag) and a time limit. JSON by default; CSV,
 * XLSX (formula-looking cells escaped) or Arrow IPC with ?format=.
 */
export function sqlRouter(db: Database, analytics: Analytics | undefined): express.Router {
  const router = express.Router();
  router.post("/sql", requireRole("sql"), express.json({ limit: "256kb" }), async (req, res) => {
    if (!analytics)
      throw new HttpError(503, "sandbox_unavailable", "the SQL sandbox is not running on this server");
    const body = (req.body ?? {}) as { sql?: unknown; max_rows?: unknown; params?: unknown };
    if (typeof body.sql !== "string" || body.sql.trim() === "")
      throw new HttpError(400, "bad_request", 'send {"sql": "select ..."}');
    const maxRows =
      typeof body.max_rows === "number" ? Math.max(1, Math.min(100_000, Math.floor(body.max_rows))) : 10_000;
    if (!analytics.ensureSnapshot()) {
      res.set("Retry-After", "30");
      throw new HttpError(503, "rebuilding", message("ops.snapshot_rebuilding", "en"));
    }
    const who = principal(res)!;
    const result = await analytics.sandbox.query(body.sql, {
      maxRows,
      params: (body.params ?? undefined) as never,
    });
    await audit(db, who.user_name, "sql", {
      sql: body.sql.slice(0, 2000),
      ok: result.ok,
      ...(result.ok ? { rows: result.rows.length } : { error: result.error.code }),
    });
    if (!result.ok)
      throw new HttpError(STATUS[result.error.code] ?? 400, result.error.code, result.error.message);
    const columns = result.columns.map((c) => c.name);
    const format = typeof req.query.format === "string" ? req.query.format : "json";
    if (format === "csv") {
      res.attachment("query.csv").type("text/csv; charset=utf-8").send(toCsv(columns, result.rows));
    } else if (format === "xlsx") {
      res
        .attachment("query.xlsx")
        .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .send(await toXlsx("query", columns, result.rows));
    } else if (format === "arrow") {
      const arrays: Record<string, unknown[]> = Object.fromEntries(
        columns.map((c, i) => [c, result.rows.map((r) => r[i] ?? null)]),
      );
      const table = tableFromArrays(arrays as Parameters<typeof tableFromArrays>[0]);
      res
        .attachment("query.arrow")
        .type("application/vnd.apache.arrow.stream")
        .send(Buffer.from(tableToIPC(table, "stream")));
    } else {
      // figures older than the database's (a refresh failed): say so beside the rows
      const stale = analytics.staleness();
      res.json(
        stale ? { ...result, stale_snapshot: { as_of: stale.as_of, ...staleMessages(stale) } } : result,
      );
    }
  });
  return router;
}
