import { tableFromArrays, tableToIPC } from "apache-arrow";
import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import type { Analytics } from "../analytics.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { principal } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { MAX_XLSX_CELLS, writeCsv, writeXlsx } from "../exports.ts";
import { HttpError } from "../HttpError.ts";
import { requestLang } from "../requestLang.ts";
import type { SandboxSuccess } from "../sandbox/index.ts";
import { staleMessages } from "./staleBanner.ts";

/** Time limit of a query whose rows are downloaded as a file (CSV, XLSX, Arrow). */
const DOWNLOAD_TIMEOUT_MS = 60_000;

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
  quota: 429,
};

const bilingual = z.object({ zh: z.string(), en: z.string() });

/** The rows of a query: one array per row in column order (two columns may share a name). */
export const SqlResult = named(
  "SqlResult",
  z.object({
    ok: z.literal(true),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.array(z.unknown())),
    truncated: z.boolean(),
    elapsedMs: z.number(),
    stale_snapshot: bilingual
      .extend({ as_of: z.string() })
      .meta({ description: "present when the snapshot is older than the database's figures" })
      .optional(),
  }),
);

export const sqlRoute = apiRoute({
  method: "post",
  path: "/sql",
  summary:
    "One read-only SQL statement in the sandbox over the analytics snapshot; ?format=csv|xlsx|arrow downloads a file named after the query's first table and the time",
  capability: "sql",
  query: z.object({ format: z.enum(["json", "csv", "xlsx", "arrow"]).default("json") }),
  body: z.object({
    sql: z.string().refine((s) => s.trim() !== "", "a statement, not blank"),
    max_rows: z.number().meta({ description: "1 to 100000 (10000 by default)" }).optional(),
    params: z
      .union([z.array(z.unknown()), z.record(z.string(), z.unknown())])
      .meta({ description: "values bound to $1... or $name" })
      .optional(),
  }),
  responses: {
    200: { description: "the rows (JSON), or a file", schema: SqlResult },
    403: { description: "not a read-only statement, or a table function not allowed" },
    408: { description: "time limit" },
    413: { description: "an XLSX download over the cell limit" },
    429: { description: "too many queries at once for this user" },
    503: { description: "the sandbox is rebuilding its snapshot or not running" },
  },
});

/**
 * Analysts' SQL, in the sandbox child process over the analytics snapshot: one read-only
 * statement, a row limit (with a `truncated` flag) and a time limit. JSON by default; CSV,
 * XLSX (formula-looking cells escaped) or Arrow IPC with ?format=.
 */
export function sqlRouter(db: Database, analytics: Analytics | undefined): express.Router {
  const router = express.Router();
  mount(router, sqlRoute, [express.json({ limit: "256kb" })], async (req, res, { body, query }) => {
    if (!analytics)
      throw new HttpError(503, "sandbox_unavailable", "the SQL sandbox is not running on this server");
    const sql = body.sql;
    const lang = requestLang(req);
    const who = principal(res)!;
    // every query leaves its audit row, whatever becomes of it
    let outcome: Record<string, unknown> = { ok: false, error: "internal" };
    try {
      if (!analytics.ensureSnapshot()) {
        outcome = { ok: false, error: "rebuilding" };
        res.set("Retry-After", "30");
        throw new HttpError(503, "rebuilding", message("ops.snapshot_rebuilding", lang));
      }
      const lone = loneSurrogate(sql);
      if (lone >= 0) {
        outcome = { ok: false, error: "bad_request" };
        throw new HttpError(
          400,
          "bad_request",
          message("api.sql_invalid_text", lang, { position: lone + 1 }),
        );
      }
      const maxRows =
        typeof body.max_rows === "number"
          ? Math.max(1, Math.min(100_000, Math.floor(body.max_rows)))
          : 10_000;
      const download = query.format !== "json";
      const result = await analytics.sandbox.query(sql, {
        user: who.user_name,
        maxRows,
        // a download of up to 100,000 rows takes longer to convert than a look at the rows
        ...(download ? { timeoutMs: DOWNLOAD_TIMEOUT_MS } : {}),
        params: (body.params ?? undefined) as never,
      });
      outcome = result.ok ? { ok: true, rows: result.rows.length } : { ok: false, error: result.error.code };
      if (!result.ok) {
        const text =
          result.error.code === "quota"
            ? message("api.sql_quota", lang, { count: /\d+/.exec(result.error.message)?.[0] ?? "" })
            : result.error.message;
        throw new HttpError(STATUS[result.error.code] ?? 400, result.error.code, text);
      }
      await send(req, res, result, lang, analytics, query.format);
    } finally {
      await audit(db, who.user_name, "sql", { sql: wellFormed(sql).slice(0, 2000), ...outcome });
    }
  });
  return router;
}

/**
 * The file name of a download: the query's first table (or "query") and the time it ran, e.g.
 * `index_scores__mass_org_evaluation-20261204-0935.csv`, so downloads of different queries do
 * not all land as query.csv.
 */
export function downloadName(sql: unknown, ext: string, at = new Date()): string {
  const table = typeof sql === "string" ? /\bfrom\s+("?)([\p{L}\p{N}_.]+)\1/iu.exec(sql)?.[2] : undefined;
  const base = (table?.split(".").at(-1) ?? "query").slice(0, 80);
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}`;
  return `${base}-${stamp}.${ext}`;
}

async function send(
  req: express.Request,
  res: express.Response,
  result: SandboxSuccess,
  lang: Lang,
  analytics: Analytics,
  format: string,
) {
  const columns = result.columns.map((c) => c.name);
  if (format === "csv") {
    res.attachment(downloadName(req.body?.sql, "csv")).type("text/csv; charset=utf-8");
    await writeCsv(res, columns, result.rows);
  } else if (format === "xlsx") {
    const cells = (result.rows.length + 1) * columns.length;
    if (cells > MAX_XLSX_CELLS) {
      throw new HttpError(
        413,
        "xlsx_too_large",
        message("api.xlsx_too_large", lang, { cells, limit: MAX_XLSX_CELLS }),
      );
    }
    res
      .attachment(downloadName(req.body?.sql, "xlsx"))
      .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    // streamed as it is built, giving the event loop back as it goes
    await writeXlsx(
      res,
      "query",
      columns,
      result.rows,
      result.columns.map((c) => c.type),
    );
  } else if (format === "arrow") {
    const arrays: Record<string, unknown[]> = Object.fromEntries(
      columns.map((c, i) => [c, result.rows.map((r) => r[i] ?? null)]),
    );
    const table = tableFromArrays(arrays as Parameters<typeof tableFromArrays>[0]);
    res
      .attachment(downloadName(req.body?.sql, "arrow"))
      .type("application/vnd.apache.arrow.stream")
      .send(Buffer.from(tableToIPC(table, "stream")));
  } else {
    // figures older than the database's (a refresh failed): say so beside the rows
    const stale = analytics.staleness();
    res.json(stale ? { ...result, stale_snapshot: { as_of: stale.as_of, ...staleMessages(stale) } } : result);
  }
}

/** Where `text` has a UTF-16 surrogate without its pair (-1 when none): DuckDB cannot hold it. */
function loneSurrogate(text: string): number {
  return text.search(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
}

function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}
