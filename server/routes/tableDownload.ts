import type { Request, Response } from "express";
import type { Database } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { toCsv, toXlsx } from "../exports.ts";
import { HttpError } from "../HttpError.ts";
import { langOf, reportingRules } from "./api.ts";
import { type FigureTable, figureTable } from "./figureTable.ts";
import { biggestChanges, districtRows, townshipRows } from "./overviewRows.ts";
import { indexName, pageContext } from "./pageContext.ts";
import { saeTable } from "./saeSection.ts";
import { unitFigures } from "./unit.ts";

const FORMATS = ["csv", "xlsx"] as const;

/**
 * A table of the overview (/tables/{view}) or of a unit page (/units/{code}/tables/{view}) as
 * CSV or XLSX, from the same rows and filters (the query string) as the page, in the page's
 * language; cells a spreadsheet would take for a formula are escaped by the shared writers.
 * Views: scorecard, townships, changes (overview); scorecard, items, sae (unit).
 */
export async function tableDownload(db: Database, req: Request, res: Response): Promise<void> {
  const lang = langOf(req.query.lang);
  const format = FORMATS.find((f) => f === req.params.format);
  const view = String(req.params.view);
  const ctx = await pageContext(db, req.query);
  if (!format || !ctx) throw new HttpError(404, "not_found", "no such table");
  const rules = await reportingRules(db, ctx.filters.study);
  const index = (r: { index_id: string }) => indexName(ctx, r.index_id, lang);
  let table: FigureTable | undefined;
  const code = req.params.code === undefined ? undefined : String(req.params.code);
  if (code === undefined) {
    if (view === "scorecard")
      table = figureTable(
        view,
        (await districtRows(db, ctx)).filter((r) => ctx.scorecard.includes(r.index_id)),
        lang,
        rules,
        index,
      );
    else if (view === "townships") table = figureTable(view, await townshipRows(db, ctx), lang, rules, index);
    else if (view === "changes")
      table = figureTable(view, biggestChanges(await townshipRows(db, ctx)), lang, rules, index);
  } else {
    const [unit] = await db.query<{ unit_level: string; unit_code: string }>(
      `select unit_level, unit_code from ${ctx.units} where unit_code = $1`,
      [code],
    );
    if (!unit) throw new HttpError(404, "not_found", message("unit.not_found", lang));
    const figures = await unitFigures(db, ctx, unit, lang);
    if (view === "scorecard") table = figureTable(view, figures.now, lang, rules, index);
    else if (view === "items") table = figureTable(view, figures.itemRows, lang, rules, figures.itemName);
    else if (view === "sae") table = await saeTable(db, ctx, code, lang);
  }
  if (!table) throw new HttpError(404, "not_found", `no table ${view}`);
  const name = [code, table.name, ctx.filters.wave, ctx.filters.index, ctx.filters.org, lang]
    .filter(Boolean)
    .join("-");
  res.attachment(`${name}.${format}`);
  if (format === "csv") res.type("text/csv; charset=utf-8").send(toCsv(table.columns, table.rows));
  else res.send(await toXlsx(table.name, table.columns, table.rows));
}
