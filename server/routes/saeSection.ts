import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { ciDotChart } from "../charts/ciDotChart.ts";
import { html, type Raw } from "../html.ts";
import { martOf } from "./api.ts";
import { chartBlock } from "./chartBlock.ts";
import { downloadLinks, type FigureTable } from "./figureTable.ts";
import { labelsFor } from "./overviewCharts.ts";
import { indexName, nameIn, type PageContext, titleIn } from "./pageContext.ts";

interface SaeRow {
  organization_id: string;
  index_id: string;
  method: "direct" | "fay_herriot" | "synthetic";
  estimate_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  rmse_0_100: number;
  direct_0_100: number | null;
  direct_se_0_100: number | null;
  n: number;
  is_withheld: boolean;
  is_primary: boolean;
}

const one = (v: number | null) =>
  v === null || !Number.isFinite(v) ? "–" : (Math.round(v * 10) / 10).toFixed(1);

/** The model-based figures of a unit for the view's wave and level (none without sae_estimates). */
async function saeRows(db: Database, ctx: PageContext, code: string): Promise<SaeRow[]> {
  const mart = await martOf(db, "sae_estimates", ctx.study.study_id);
  if (!mart) return [];
  const f = ctx.filters;
  return db.query<SaeRow>(
    `select organization_id, index_id, method, estimate_0_100, ci_low_0_100, ci_high_0_100, rmse_0_100,
            direct_0_100, direct_se_0_100, n, is_withheld, is_primary
     from ${mart}
     where unit_code = $1 and wave_id = $2 and org_level = $3 and method <> 'direct'
     order by organization_id, index_id`,
    [code, f.wave, f.level],
  );
}

/** The model-based figures as their table downloads (CSV, XLSX): the page's columns, numbers rounded. */
export async function saeTable(
  db: Database,
  ctx: PageContext,
  code: string,
  lang: Lang,
): Promise<FigureTable> {
  const t = (k: MessageKey) => message(k, lang);
  const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);
  const rows = await saeRows(db, ctx, code);
  return {
    name: "sae",
    columns: [
      t("ui.organization"),
      t("sae.index"),
      t("sae.estimate"),
      t("fig.ci_low"),
      t("fig.ci_high"),
      t("sae.method"),
      t("sae.rmse"),
      t("sae.direct_beside"),
      t("sae.respondents"),
    ],
    rows: rows.map((r) => {
      const o = ctx.orgs.find((x) => x.organization_id === r.organization_id);
      return [
        o ? nameIn(o, lang) : r.organization_id,
        indexName(ctx, r.index_id, lang),
        r.is_withheld ? t("sae.withheld") : round(r.estimate_0_100),
        r.is_withheld ? null : round(r.ci_low_0_100),
        r.is_withheld ? null : round(r.ci_high_0_100),
        r.method === "synthetic" ? t("sae.synthetic") : t("sae.model_based_label"),
        r.is_withheld ? null : round(r.rmse_0_100),
        round(r.direct_0_100),
        r.n,
      ];
    }),
  };
}

/**
 * The unit page's model-based figures (sae_estimates): one row per organization and index for the
 * chosen wave and organization level, every figure that is not direct labelled
 * "模型估计 / model-based", with its interval and RMSE and the direct estimate beside it. Empty
 * when the study has no `small_area` block.
 */
export async function saeSection(
  db: Database,
  ctx: PageContext,
  code: string,
  lang: "zh" | "en",
): Promise<ReturnType<typeof html> | ""> {
  const rows = await saeRows(db, ctx, code);
  if (!rows.length) return "";
  const f = ctx.filters;
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const wave = titleIn(ctx.waves.find((w) => w.wave_id === f.wave)!, lang);
  const orgName = (id: string) => {
    const o = ctx.orgs.find((x) => x.organization_id === id);
    return o ? nameIn(o, lang) : id;
  };
  return html`<section class="sae">
<h2>${t("sae.section", { wave })}</h2>
<div class="table-scroll"><table class="figures sae-figures">
<thead><tr><th></th><th>${t("sae.index")}</th><th>${t("sae.estimate")}</th><th>${t("sae.interval")}</th><th>${t("sae.method")}</th><th>${t("sae.rmse")}</th><th>${t("sae.direct_beside")}</th><th>${t("sae.respondents")}</th></tr></thead>
<tbody>${rows.map(
    (
      r,
    ) => html`<tr data-method="${r.method}" data-organization="${r.organization_id}" data-index="${r.index_id}"><th scope="row">${orgName(r.organization_id)}</th><td>${indexName(ctx, r.index_id, lang)}</td>
${
  // the figure and its interval next to their names, the method's mark after them: on a phone
  // the figure is on the screen, not scrolled off behind the mark
  r.is_withheld
    ? html`<td colspan="2" class="withheld">${t("sae.withheld")}</td>`
    : html`<td class="estimate">${one(r.estimate_0_100)}</td><td>${one(r.ci_low_0_100)}–${one(r.ci_high_0_100)}</td>`
}
<td class="model-based">${r.method === "synthetic" ? t("sae.synthetic") : t("sae.model_based_label")}</td>
<td>${r.is_withheld ? "–" : one(r.rmse_0_100)}</td>
<td>${r.direct_0_100 === null ? "–" : html`${one(r.direct_0_100)} (${one(r.direct_se_0_100)})`}</td><td>${r.n}</td></tr>`,
  )}</tbody>
</table></div>
${downloadLinks(`/units/${code}/tables/sae`, ctx, lang)}
<p class="note">${t("sae.note")}</p>
</section>`;
}

/**
 * A township's villages as a grid a township leader can read: one row per village, one dot per
 * organization with its interval, for the chosen indicator, wave and level, from the figures
 * `sae_estimates` marks primary for villages (model-based, labelled so). Withheld figures are
 * listed under the chart with their reason, not drawn. Empty when the study has no small areas.
 */
export async function villageGrid(
  db: Database,
  ctx: PageContext,
  villages: { unit_code: string; name_zh: string; name_en: string }[],
  lang: Lang,
): Promise<Raw | ""> {
  const mart = await martOf(db, "sae_estimates", ctx.study.study_id);
  if (!mart || !villages.length) return "";
  const f = ctx.filters;
  // the chosen indicator, or (when it has no model-based village figures) the first that has
  const modelled = (
    await db.query<{ index_id: string }>(
      `select distinct index_id from ${mart} where unit_level = 'village' and wave_id = $1 and org_level = $2`,
      [f.wave, f.level],
    )
  ).map((r) => r.index_id);
  const index = modelled.includes(f.index) ? f.index : ctx.indices.find((i) => modelled.includes(i));
  if (!index) return "";
  const rows = await db.query<SaeRow & { unit_code: string }>(
    `select unit_code, organization_id, index_id, method, estimate_0_100, ci_low_0_100, ci_high_0_100, rmse_0_100,
            direct_0_100, direct_se_0_100, n, is_withheld, is_primary
     from ${mart}
     where unit_level = 'village' and is_primary and wave_id = $1 and org_level = $2 and index_id = $3
       and list_contains(string_split($4, ','), unit_code)
     order by unit_code, organization_id`,
    [f.wave, f.level, index, villages.map((v) => v.unit_code).join(",")],
  );
  if (!rows.length) return "";
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const nameOf = new Map(villages.map((v) => [v.unit_code, lang === "zh" ? v.name_zh : v.name_en]));
  const orgs = ctx.orgs.filter((o) => rows.some((r) => r.organization_id === o.organization_id));
  const orgName = (id: string) => nameIn(orgs.find((o) => o.organization_id === id)!, lang);
  const drawn = rows.filter((r) => !r.is_withheld && r.ci_low_0_100 !== null && r.ci_high_0_100 !== null);
  const figures = drawn.map((r) => ({
    category: nameOf.get(r.unit_code) ?? r.unit_code,
    organization: orgName(r.organization_id),
    estimate: r.estimate_0_100,
    ciLow: r.ci_low_0_100!,
    ciHigh: r.ci_high_0_100!,
    n: r.n,
  }));
  const withheld = rows.filter((r) => r.is_withheld);
  const wave = titleIn(ctx.waves.find((w) => w.wave_id === f.wave)!, lang);
  const chart = chartBlock(
    "chart-villages",
    ciDotChart(
      figures,
      {
        ...labelsFor(lang),
        title: t("sae.village_grid", { index: indexName(ctx, index, lang), wave }),
        category: t("unit.village"),
      },
      {
        organizations: orgs.map((o) => nameIn(o, lang)),
        categories: villages
          .map((v) => nameOf.get(v.unit_code)!)
          .filter((n) => figures.some((x) => x.category === n)),
      },
    ),
    figures.length,
    "points",
    t("sae.village_grid_note"),
    lang,
  );
  return html`<section class="chart-section village-grid" data-index="${index}">${chart}${
    withheld.length
      ? html`<p class="note">${t("sae.village_grid_withheld", {
          units: withheld
            .map((r) => `${nameOf.get(r.unit_code) ?? r.unit_code} (${orgName(r.organization_id)})`)
            .join(lang === "zh" ? "、" : ", "),
        })}</p>`
      : ""
  }</section>`;
}
