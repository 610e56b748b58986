import type { Request, Response } from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { principal } from "../auth/authenticate.ts";
import { itemsChart } from "../charts/itemsChart.ts";
import { trendChart } from "../charts/trendChart.ts";
import { HttpError } from "../HttpError.ts";
import { html } from "../html.ts";
import { langOf, reportingRules } from "./api.ts";
import { chartBlock, chartScripts } from "./chartBlock.ts";
import { downloadLinks } from "./figureTable.ts";
import { layout } from "./layout.ts";
import { labelsFor, scorecardBlock, shown, withheldNote } from "./overviewCharts.ts";
import {
  indexName,
  type Named,
  nameIn,
  type PageContext,
  pageContext,
  titleIn,
  viewQuery,
} from "./pageContext.ts";
import { saeSection, villageGrid } from "./saeSection.ts";
import { figureCell, scorecardTable } from "./scorecardTable.ts";
import { type ScoreRow, scoreRows } from "./scoreRows.ts";
import { studyLabels } from "./studyLabels.ts";
import { filterForm, releaseLine } from "./viewHeader.ts";

const ASPECTS = ["guide", "serve", "rights", "close"];

interface Unit extends Named {
  unit_level: "township" | "village";
  unit_code: string;
  parent_code: string | null;
  population: number | null;
}

/**
 * One township (or village): every organization × index with its interval, the history over
 * the waves, and its items in detail (approval aspects, % satisfied). Villages have no figures
 * of their own in this survey; their page says so and points to the township.
 */
export async function unitPage(db: Database, req: Request, res: Response): Promise<void> {
  const lang = langOf(req.query.lang);
  const print = req.query.print === "1";
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const ctx = await pageContext(db, req.query);
  const code = String(req.params.code);
  const units = ctx
    ? await db.query<Unit>(
        `select unit_level, unit_code, parent_code, name_zh, name_en, population from ${ctx.units}
         where unit_code = $1 or parent_code = $1 order by unit_code`,
        [code],
      )
    : [];
  const unit = units.find((u) => u.unit_code === code);
  if (!ctx || !unit) throw new HttpError(404, "not_found", message("unit.not_found", lang));
  const f = ctx.filters;
  const rules = await reportingRules(db, f.study);
  const wave = titleIn(ctx.waves.find((w) => w.wave_id === f.wave)!, lang);
  const [parent] = unit.parent_code
    ? await db.query<Unit>(`select * from ${ctx.units} where unit_code = $1`, [unit.parent_code])
    : [];
  const children = units.filter((u) => u.parent_code === code);
  const name = nameIn(unit, lang);
  const link = (u: Unit) =>
    html`<a href="/units/${u.unit_code}${viewQuery({ study: f.study, wave: f.wave, index: f.index }, lang)}">${nameIn(u, lang)}</a>`;
  const head = html`<div class="page-head">
<p class="breadcrumb no-print"><a href="/${viewQuery(f, lang)}">${t("page.nav_overview")}</a>${parent ? html` › ${link(parent)}` : ""}</p>
<h1>${name} <span class="wave">${t(`unit.${unit.unit_level}`)} ${unit.unit_code}</span></h1>
${await releaseLine(db, ctx, lang, `${t("fig.unit")}: ${name}`, unit.unit_level === "township" ? unit.unit_code : undefined)}
</div>
${filterForm(ctx, lang, `/units/${code}`)}`;

  const figures = await unitFigures(db, ctx, unit, lang);
  const { all, now, itemRows, itemName, itemOrder, orgs } = figures;
  const sae = await saeSection(db, ctx, code, lang);
  // a township's villages, model-based, as a grid with intervals
  const grid = unit.unit_level === "township" ? await villageGrid(db, ctx, children, lang) : "";
  let body = html``;
  // a village's figures are all model-based: the section below shows them with their RMSE
  if (!all.length || unit.unit_level === "village") {
    body = sae ? html`${sae}` : html`<p class="notice">${t("unit.no_village_figures")}</p>`;
    if (grid) body = html`${body}${grid}${chartScripts}`;
  } else {
    const base = labelsFor(lang);
    const orgNames = orgs.map((o) => nameIn(o, lang));
    const orgIds = orgs.map((o) => o.organization_id);
    const history = shown(
      all.filter(
        (r) =>
          r.index_id === f.index &&
          (r.org_level === f.level || r.org_level === "") &&
          r.aspect === "" &&
          orgIds.includes(r.organization_id),
      ),
      lang,
    ).map((s) => ({
      ...s,
      wave: titleIn(ctx.waves.find((w) => w.wave_id === s.row.wave_id)!, lang),
      row: undefined,
    }));
    const items = shown(itemRows, lang).map((s) => ({ ...s, category: itemName(s.row), row: undefined }));
    const allWithheld = now.length > 0 && now.every((r) => r.is_withheld);
    const historyBlock = chartBlock(
      "chart-unit-history",
      trendChart(
        history,
        { ...base, title: t("unit.history", { index: indexName(ctx, f.index, lang) }) },
        {
          organizations: orgNames,
          waves: ctx.waves.map((w) => titleIn(w, lang)),
        },
      ),
      history.length,
      "points",
      "",
      lang,
    );
    const itemsTable = html`<div class="table-scroll"><table class="figures items">
<thead><tr><th>${t("fig.item")}</th>${orgs.map((o) => html`<th>${nameIn(o, lang)}</th>`)}</tr></thead>
<tbody>${itemOrder.map(
      (item) =>
        html`<tr><th scope="row">${item}</th>${orgs.map((o) =>
          figureCell(
            itemRows.find((r) => itemName(r) === item && r.organization_id === o.organization_id),
            lang,
            rules,
          ),
        )}</tr>`,
    )}</tbody>
</table></div>
${downloadLinks(`/units/${code}/tables/items`, ctx, lang)}`;
    body = html`<section>
<h2>${t("unit.figures", { wave })}</h2>
<div class="table-scroll">${scorecardTable(ctx, now, lang, rules, (i) => `/units/${code}${viewQuery({ ...f, index: i }, lang)}`)}</div>
${downloadLinks(`/units/${code}/tables/scorecard`, ctx, lang)}
${allWithheld ? html`<p class="notice all-withheld">${t("unit.all_withheld")}</p>` : ""}
${rankLines(
  now.filter((r) => r.index_id === f.index && r.rank),
  lang,
)}
<p class="note">${t("overview.scorecard_note")}</p>
</section>
${
  allWithheld
    ? history.length
      ? html`<section class="chart-section">${historyBlock}</section>`
      : ""
    : html`<section class="chart-section two">
${scorecardBlock("chart-unit-scorecard", now, ctx, lang, { wave, organizations: orgNames })}
${historyBlock}
</section>
<section class="chart-section">
${chartBlock(
  "chart-unit-items",
  itemsChart(
    items,
    { ...base, title: t("unit.items", { wave }), category: t("fig.item") },
    { organizations: orgNames, items: itemOrder },
  ),
  items.length,
  "points",
  "",
  lang,
)}
${withheldNote(itemRows, lang, rules, (r) => `${itemName(r)} (${lang === "zh" ? r.org_zh : r.org_en})`)}
${itemsTable}
</section>`
}
${sae}
${grid}
${chartScripts}`;
  }
  const villages = children.length
    ? html`<section class="no-print"><h2>${t("unit.villages")}</h2><nav class="unit-links">${children.map(link)}</nav></section>`
    : "";
  res.type("html").send(
    layout(lang, `${name} · ${t("ui.app_name")}`, html`${head}${body}${villages}`, principal(res), {
      url: req.originalUrl,
      print,
    }),
  );
}

/**
 * A unit's figures as its page shows them: every figure of the unit (`all`), the view's wave
 * and level per organization and index (`now`), and its detail items (approval aspects, options,
 * % satisfied) named and in questionnaire order. The page and its table downloads share it.
 */
export async function unitFigures(
  db: Database,
  ctx: PageContext,
  unit: { unit_level: string; unit_code: string },
  lang: Lang,
) {
  const f = ctx.filters;
  const all = await scoreRows(db, ctx, {
    unit_level: unit.unit_level,
    unit_code: unit.unit_code,
    group_var: "",
  });
  const orgs = ctx.orgs.filter((o) => !f.org || o.organization_id === f.org);
  const orgIds = orgs.map((o) => o.organization_id);
  const now = all.filter(
    (r) =>
      r.wave_id === f.wave &&
      (r.org_level === f.level || r.org_level === "") &&
      r.aspect === "" &&
      orgIds.includes(r.organization_id),
  );
  const labels = await studyLabels(db, f.study);
  const itemRows = all.filter(
    (r) =>
      r.wave_id === f.wave &&
      orgIds.includes(r.organization_id) &&
      (r.aspect !== "" || ctx.indicators.some((i) => i.index_id === r.index_id && i.parent_id !== "")),
  );
  // a detail's name: an approval aspect by its short name, an option of a multi_share by its
  // label, a detail figure ("% satisfied") by its indicator's name
  const declared = (id: string) => labels.study?.indicators.find((i) => i.id === id);
  const itemName = (r: ScoreRow) => {
    if (r.index_id === "approval_aspect") return labels.aspect(r.aspect, lang);
    if (r.aspect === "") return indexName(ctx, r.index_id, lang);
    const ind = declared(r.index_id);
    const option =
      ind?.items.length === 1 ? labels.group(ind.items[0]!, r.aspect, lang) : labels.aspect(r.aspect, lang);
    return `${indexName(ctx, r.index_id, lang)}: ${option}`;
  };
  // the aspects in questionnaire order, then the % satisfied
  const rank = (r: ScoreRow) =>
    r.index_id === "approval_aspect" ? ASPECTS.indexOf(r.aspect.split("_").pop() ?? "") : ASPECTS.length;
  const itemOrder = [...new Set([...itemRows].sort((a, b) => rank(a) - rank(b)).map(itemName))];
  return { all, now, itemRows, itemName, itemOrder, orgs };
}

/** "rank 7 of 50 (95% interval 3–15; simultaneous 2–20), tier 2 (probability 64%)", flagged below 0.8. */
function rankLines(rows: ScoreRow[], lang: Lang) {
  if (!rows.length) return "";
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  return html`<ul class="rank-lines">${rows.map(
    (r) =>
      html`<li>${t("fig.rank_line", {
        org: lang === "zh" ? r.org_zh : r.org_en,
        n: String(r.n_ranked),
        rank: String(r.rank),
        level: String(Math.round((r.rank_level ?? 0.95) * 100)),
        low: String(r.rank_low),
        high: String(r.rank_high),
        slow: String(r.rank_low_simultaneous),
        shigh: String(r.rank_high_simultaneous),
        tier: String(r.tier),
        p: String(Math.round((r.tier_probability ?? 0) * 100)),
      })}${r.is_tier_uncertain ? html` <strong class="flag">${t("fig.tier_uncertain")}</strong>` : ""}</li>`,
  )}</ul><p class="note">${t("fig.rank_note")}</p>`;
}
