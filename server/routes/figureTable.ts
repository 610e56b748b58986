import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { html, type Raw } from "../html.ts";
import type { reportingRules } from "./api.ts";
import { type PageContext, viewQuery } from "./pageContext.ts";
import { methodText, type ScoreRow, withheldText } from "./scoreRows.ts";

type Rules = Awaited<ReturnType<typeof reportingRules>>;

/** A table of figures as it downloads: a sheet name, headers in the page's language, and rows. */
export interface FigureTable {
  name: string;
  columns: string[];
  rows: (string | number | null)[][];
}

const one = (v: number | null | undefined) =>
  v === null || v === undefined ? null : Math.round(v * 10) / 10;

/**
 * Figures as a table for CSV and XLSX: each row's unit, organization and indicator (named by
 * `what`), estimate and interval, n, the change since the last wave with its interval and
 * significance, the tier, why a figure is withheld, and its method (direct or model-based);
 * numbers rounded as the page shows them.
 */
export function figureTable(
  name: string,
  rows: ScoreRow[],
  lang: Lang,
  rules: Rules,
  what: (r: ScoreRow) => string,
): FigureTable {
  const t = (k: MessageKey) => message(k, lang);
  return {
    name,
    columns: [
      t("fig.unit"),
      t("ui.organization"),
      t("fig.item"),
      t("ui.estimate"),
      t("fig.ci_low"),
      t("fig.ci_high"),
      t("ui.n"),
      t("fig.change_short"),
      `${t("fig.change_ci")} (${t("fig.ci_low")})`,
      `${t("fig.change_ci")} (${t("fig.ci_high")})`,
      t("fig.significant"),
      t("fig.tier"),
      t("fig.withheld_reason"),
      t("sae.method"),
    ],
    rows: rows.map((r) => [
      r.unit_level === "district"
        ? t("level.district")
        : ((lang === "zh" ? r.unit_zh : r.unit_en) ?? r.unit_code),
      lang === "zh" ? r.org_zh : r.org_en,
      what(r),
      one(r.estimate_0_100),
      one(r.ci_low_0_100),
      one(r.ci_high_0_100),
      r.n,
      one(r.change_0_100),
      one(r.change_ci_low_0_100),
      one(r.change_ci_high_0_100),
      r.is_change_significant === null ? "" : t(r.is_change_significant ? "fig.sig_yes" : "fig.sig_no"),
      r.tier,
      r.is_withheld ? withheldText(r.withheld_reason, lang, rules) : "",
      methodText(r, lang),
    ]),
  };
}

/** "Download this table: CSV · XLSX", links to the table's view with the page's filters. */
export function downloadLinks(path: string, ctx: PageContext, lang: Lang): Raw {
  const query = viewQuery(ctx.filters, lang);
  return html`<p class="downloads no-print">${message("table.download", lang)} <a href="${path}.csv${query}" download>CSV</a> · <a href="${path}.xlsx${query}" download>XLSX</a></p>`;
}
