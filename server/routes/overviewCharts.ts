import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { breakdownChart } from "../charts/breakdownChart.ts";
import { changeChart } from "../charts/changeChart.ts";
import { heatTableChart } from "../charts/heatTableChart.ts";
import { scorecardChart } from "../charts/scorecardChart.ts";
import { townshipTierChart } from "../charts/townshipTierChart.ts";
import { trendChart } from "../charts/trendChart.ts";
import { html, type Raw } from "../html.ts";
import { martOf, type reportingRules } from "./api.ts";
import { chartBlock } from "./chartBlock.ts";
import { downloadLinks } from "./figureTable.ts";
import { biggestChanges, townshipRows as townshipRowsOf } from "./overviewRows.ts";
import { indexName, nameIn, type PageContext, titleIn, viewQuery } from "./pageContext.ts";
import {
  arrowOf,
  changeText,
  fmt1,
  methodMark,
  type ScoreRow,
  scoreRows,
  signed,
  withheldText,
} from "./scoreRows.ts";
import { type StudyLabels, studyLabels } from "./studyLabels.ts";

type Rules = Awaited<ReturnType<typeof reportingRules>>;

/** Shown figures as the chart builders take them (withheld ones are listed, not drawn). */
export function shown(rows: ScoreRow[], lang: Lang) {
  return rows
    .filter((r) => !r.is_withheld && r.estimate_0_100 !== null)
    .map((r) => ({
      organization: lang === "zh" ? r.org_zh : r.org_en,
      estimate: r.estimate_0_100!,
      ciLow: r.ci_low_0_100!,
      ciHigh: r.ci_high_0_100!,
      n: r.n ?? 0,
      arrow: arrowOf(r),
      change: changeText(r, lang),
      row: r,
    }));
}

/** "Withheld figures: Zhuhe (Trade union): too few respondents (n < 30); …", or nothing. */
export function withheldNote(rows: ScoreRow[], lang: Lang, rules: Rules, what: (r: ScoreRow) => string): Raw {
  const withheld = rows.filter((r) => r.is_withheld);
  if (!withheld.length) return html``;
  return html`<details class="withheld-list"><summary>${message("overview.withheld_list", lang)} ${withheld.length}</summary>${withheld
    .map((r) => `${what(r)}: ${withheldText(r.withheld_reason, lang, rules)}`)
    .join(lang === "zh" ? "；" : "; ")}</details>`;
}

export function labelsFor(lang: Lang) {
  const t = (k: MessageKey) => message(k, lang);
  return {
    value: t("fig.score"),
    organization: t("ui.organization"),
    ciLow: t("fig.ci_low"),
    ciHigh: t("fig.ci_high"),
    change: t("fig.change"),
    wave: t("ui.wave"),
  };
}

/**
 * The scorecard chart of one unit's figures (composite and the four indices, in their order)
 * for the organizations named, titled with the wave: the overview's and the unit page's.
 */
export function scorecardBlock(
  id: string,
  rows: ScoreRow[],
  ctx: Pick<PageContext, "scorecard" | "indicators">,
  lang: Lang,
  labels: { wave: string; organizations: string[] },
): Raw {
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const indexNames = ctx.scorecard.map((i) => indexName(ctx, i, lang));
  const card = shown(
    rows.filter((r) => ctx.scorecard.includes(r.index_id)),
    lang,
  ).map((s) => ({ ...s, category: indexName(ctx, s.row.index_id, lang), row: undefined }));
  return chartBlock(
    id,
    scorecardChart(
      card,
      {
        ...labelsFor(lang),
        title: t("overview.scorecard_chart", { wave: labels.wave }),
        category: t("page.filter_index"),
      },
      { organizations: labels.organizations, indices: indexNames },
    ),
    card.length,
    "points",
    "",
    lang,
  );
}

/** The overview's charts, from the filters: scorecard, townships in tiers, heat table, trend, breakdown. */

export async function overviewCharts(
  db: Database,
  ctx: PageContext,
  lang: Lang,
  district: ScoreRow[],
  rules: Rules,
): Promise<Raw> {
  const f = ctx.filters;
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const base = labelsFor(lang);
  const wave = titleIn(ctx.waves.find((w) => w.wave_id === f.wave)!, lang);
  const chosenName = indexName(ctx, f.index, lang);
  const orgs = ctx.orgs.filter((o) => !f.org || o.organization_id === f.org);
  const orgIds = orgs.map((o) => o.organization_id);
  const orgNames = orgs.map((o) => nameIn(o, lang));
  const scorecard = scorecardBlock("chart-scorecard", district, ctx, lang, { wave, organizations: orgNames });

  const common = {
    org_level: [f.level, ""],
    group_var: "",
    aspect: "",
    index_id: f.index,
    organization_id: orgIds,
  };
  const townshipRows = await townshipRowsOf(db, ctx);
  const unitName = (r: ScoreRow) => (lang === "zh" ? r.unit_zh : r.unit_en) ?? r.unit_code;
  const unitHref = (code: string) =>
    `/units/${code}${viewQuery({ study: f.study, wave: f.wave, index: f.index, level: f.level }, lang)}`;
  const townships = shown(townshipRows, lang).map((s) => ({
    ...s,
    township: unitName(s.row),
    tier: t("fig.tier_n", { tier: String(s.row.tier ?? "") }),
    href: unitHref(s.row.unit_code),
    row: undefined,
  }));
  const tiers = [...new Set(townshipRows.map((r) => r.tier).filter((x): x is number => x !== null))]
    .sort((a, b) => a - b)
    .map((tier) => t("fig.tier_n", { tier: String(tier) }));
  const tierChart = chartBlock(
    "chart-townships",
    townshipTierChart(
      townships,
      {
        ...base,
        title: t("overview.townships", { index: chosenName, wave }),
        township: t("unit.township"),
        tier: t("fig.tier"),
      },
      { organizations: orgNames, tiers },
    ),
    townships.length,
    "points",
    `${t("overview.townships_note")} ${t("fig.tier_palette")}${
      townshipRows.some((r) => r.method && r.method !== "direct") ? ` ${t("sae.ranked_model_based")}` : ""
    }`,
    lang,
  );
  const changes = changeSection(ctx, lang, townshipRows, { chosenName, wave, orgNames, unitName, unitHref });

  const unitCodes = [...new Set(townshipRows.map((r) => r.unit_code))].sort();
  const names = new Map(townshipRows.map((r) => [r.unit_code, unitName(r)]));
  const cells = townshipRows.map((r) => ({
    township: unitName(r),
    organization: lang === "zh" ? r.org_zh : r.org_en,
    estimate: r.is_withheld ? null : r.estimate_0_100,
    ciLow: r.ci_low_0_100,
    ciHigh: r.ci_high_0_100,
    text: r.is_withheld ? t("fig.withheld") : fmt1(r.estimate_0_100),
    reason: r.is_withheld ? withheldText(r.withheld_reason, lang, rules) : "",
    href: unitHref(r.unit_code),
  }));
  const heat = chartBlock(
    "chart-heat",
    heatTableChart(
      cells,
      {
        ...base,
        title: t("overview.heat", { index: chosenName, wave }),
        township: t("unit.township"),
        reason: t("fig.withheld_reason"),
      },
      { organizations: orgNames, townships: unitCodes.map((c) => names.get(c)!) },
    ),
    cells.length,
    "cells",
    `${t("overview.heat_note")} ${t("fig.heat_palette")}`,
    lang,
  );
  const unitLinks = html`<nav class="unit-links no-print" aria-label="${t("unit.township")}">${unitCodes.map(
    (c) => html`<a href="${unitHref(c)}">${names.get(c)}</a>`,
  )}</nav>`;

  const trendRows = await scoreRows(db, ctx, { ...common, unit_level: "district" });
  const trend = shown(trendRows, lang).map((s) => ({
    ...s,
    wave: titleIn(waveOf(ctx, s.row.wave_id), lang),
    row: undefined,
  }));
  const trendBlock = chartBlock(
    "chart-trend",
    trendChart(
      trend,
      { ...base, title: t("overview.trend", { index: chosenName }) },
      {
        organizations: orgNames,
        waves: ctx.waves.map((w) => titleIn(w, lang)),
      },
    ),
    trend.length,
    "points",
    "",
    lang,
  );

  const labels = await studyLabels(db, f.study);
  const groupRows = await scoreRows(db, ctx, {
    ...common,
    group_var: "*",
    wave_id: f.wave,
    unit_level: "district",
  });
  const present = new Set(groupRows.map((r) => r.group_var));
  const variables = (await breakdownOrder(db, f.study)).filter((v) => present.has(v));
  const { groups, groupOrder } = breakdownFigures(groupRows, lang, labels);
  const breakdown = chartBlock(
    "chart-breakdown",
    breakdownChart(
      groups,
      { ...base, title: t("overview.breakdown", { index: chosenName, wave }), category: t("fig.group") },
      {
        organizations: orgNames,
        groups: groupOrder,
        variables: variables.map((v) => labels.variable(v, lang)),
      },
    ),
    groups.length,
    "points",
    "",
    lang,
  );
  const groupName = (r: ScoreRow) =>
    `${labels.variable(r.group_var, lang)} ${labels.group(r.group_var, r.group_value, lang)} (${lang === "zh" ? r.org_zh : r.org_en})`;

  return html`<section class="chart-section">${scorecard}</section>
<section class="chart-section">${tierChart}
${withheldNote(townshipRows, lang, rules, (r) => `${unitName(r)} (${lang === "zh" ? r.org_zh : r.org_en})`)}
${rankTable(townshipRows, lang, chosenName, unitName)}</section>
${changes}
<section class="chart-section">${heat}${downloadLinks("/tables/townships", ctx, lang)}${unitLinks}</section>
<section class="chart-section two">${trendBlock}<div>${breakdown}${withheldNote(groupRows, lang, rules, groupName)}</div></section>`;
}

/**
 * Change since the last wave per township and organization (the mart's change and its interval),
 * arrows only where significant, and the biggest significant changes as a table that downloads.
 */
function changeSection(
  ctx: PageContext,
  lang: Lang,
  rows: ScoreRow[],
  names: {
    chosenName: string;
    wave: string;
    orgNames: string[];
    unitName: (r: ScoreRow) => string;
    unitHref: (code: string) => string;
  },
): Raw {
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  if (rows.length && rows.every((r) => r.change_note === "first_wave"))
    return html`<section class="chart-section changes"><p class="note">${t("overview.first_wave")}</p></section>`;
  const orgName = (r: ScoreRow) => (lang === "zh" ? r.org_zh : r.org_en);
  const figures = rows
    .filter((r) => r.change_0_100 !== null && r.change_ci_low_0_100 != null && r.change_ci_high_0_100 != null)
    .map((r) => ({
      township: names.unitName(r),
      organization: orgName(r),
      change: r.change_0_100!,
      changeLow: r.change_ci_low_0_100!,
      changeHigh: r.change_ci_high_0_100!,
      significant: r.is_change_significant === true,
      arrow: r.is_change_significant ? (r.change_0_100! > 0 ? "▲" : "▼") : "",
      significance: t(r.is_change_significant ? "fig.sig_yes" : "fig.sig_no"),
      href: names.unitHref(r.unit_code),
    }));
  const chart = chartBlock(
    "chart-changes",
    changeChart(
      figures,
      {
        title: t("overview.changes", { index: names.chosenName, wave: names.wave }),
        change: t("fig.change"),
        changeLow: `${t("fig.change_ci")} (${t("fig.ci_low")})`,
        changeHigh: `${t("fig.change_ci")} (${t("fig.ci_high")})`,
        township: t("unit.township"),
        organization: t("ui.organization"),
        significance: t("fig.significant"),
      },
      { organizations: names.orgNames },
    ),
    figures.length,
    "points",
    t("overview.changes_note"),
    lang,
  );
  const biggest = biggestChanges(rows);
  const previous = rows.find((r) => r.previous_wave_id)?.previous_wave_id ?? "";
  const previousTitle = titleIn(waveOf(ctx, previous), lang);
  const table = biggest.length
    ? html`<div class="table-scroll"><table class="figures changes" id="table-changes">
<thead><tr><th>${t("unit.township")}</th><th>${t("ui.organization")}</th><th>${t("fig.change_short")}</th><th>${t("fig.change_ci")}</th><th>${t("fig.this_wave")}</th></tr></thead>
<tbody>${biggest.map(
        (r) =>
          html`<tr><th scope="row"><a href="${names.unitHref(r.unit_code)}">${names.unitName(r)}</a></th><td>${orgName(r)}</td><td><span class="arrow ${r.change_0_100! > 0 ? "up" : "down"}">${arrowOf(r)}</span></td><td class="nowrap">${signed(r.change_ci_low_0_100 ?? 0)} – ${signed(r.change_ci_high_0_100 ?? 0)}</td><td>${fmt1(r.estimate_0_100)}</td></tr>`,
      )}</tbody></table></div>
${downloadLinks("/tables/changes", ctx, lang)}`
    : html`<p class="notice">${t("overview.no_significant_changes", { index: names.chosenName })}</p>`;
  return html`<section class="chart-section changes">${chart}
<h3>${t("overview.biggest_changes", { index: names.chosenName, previous: previousTitle })}</h3>
${table}</section>`;
}

async function breakdownOrder(db: Database, study: string): Promise<string[]> {
  const seed = await martOf(db, "seed_breakdowns", study);
  if (!seed) return [];
  return (await db.query<{ variable: string }>(`select variable from ${seed} order by position`)).map(
    (r) => r.variable,
  );
}

function waveOf(ctx: PageContext, id: string) {
  return ctx.waves.find((w) => w.wave_id === id) ?? { title_zh: id, title_en: id };
}

/**
 * The ranked townships as a table: rank with its marginal and simultaneous intervals, tier and
 * its probability (flagged below 0.8), per organization, from the mart's rank_intervals. Folded,
 * as the tier chart above shows the same townships.
 */
function rankTable(rows: ScoreRow[], lang: Lang, index: string, unitName: (r: ScoreRow) => string): Raw | "" {
  const ranked = rows
    .filter((r) => r.rank !== null && r.rank !== undefined && !r.is_withheld)
    .sort((a, b) => a.organization_id.localeCompare(b.organization_id) || a.rank! - b.rank!);
  if (!ranked.length) return "";
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const level = String(Math.round((ranked[0]!.rank_level ?? 0.95) * 100));
  return html`<details class="rank-table"><summary>${t("overview.rank_table", { index })}</summary>
<div class="table-scroll"><table class="figures ranks">
<thead><tr><th>${t("unit.township")}</th><th>${t("ui.organization")}</th><th class="num">${t("ui.estimate")}</th><th class="num">${t("fig.rank")}</th><th>${t("fig.rank_interval", { level })}</th><th>${t("fig.rank_simultaneous")}</th><th>${t("fig.tier")}</th></tr></thead>
<tbody>${ranked.map(
    (r) =>
      html`<tr data-unit="${r.unit_code}" data-org="${r.organization_id}"><th scope="row">${unitName(r)}</th><td>${lang === "zh" ? r.org_zh : r.org_en}</td><td class="num">${fmt1(r.estimate_0_100)}${methodMark(r, lang)}</td><td class="num rank">${r.rank}/${r.n_ranked ?? ""}</td><td class="rank-interval">${r.rank_low}–${r.rank_high}</td><td>${r.rank_low_simultaneous}–${r.rank_high_simultaneous}</td><td>${t("fig.tier_n", { tier: String(r.tier ?? "") })} (${Math.round((r.tier_probability ?? 0) * 100)}%)${r.is_tier_uncertain ? html` <strong class="flag">${t("fig.tier_uncertain")}</strong>` : ""}</td></tr>`,
  )}</tbody></table></div>
<p class="note">${t("fig.rank_note")}</p></details>`;
}

/**
 * Breakdown rows as the breakdown chart takes them: a panel per variable, a row per group (by
 * their labels), and the groups' order (variable, then code). The overview's and the report's.
 */
export function breakdownFigures(rows: ScoreRow[], lang: Lang, labels: StudyLabels) {
  const groups = shown(rows, lang).map((s) => ({
    ...s,
    panel: labels.variable(s.row.group_var, lang),
    category: labels.group(s.row.group_var, s.row.group_value, lang),
    row: undefined,
  }));
  const groupOrder = [
    ...new Set(
      [...rows]
        .sort((a, b) => a.group_var.localeCompare(b.group_var) || a.group_value.localeCompare(b.group_value))
        .map((r) => labels.group(r.group_var, r.group_value, lang)),
    ),
  ];
  return { groups, groupOrder };
}
