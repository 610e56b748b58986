import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { type Study, stageTwoVariance } from "../../study/index.ts";
import { breakdownChart } from "../charts/breakdownChart.ts";
import { townshipTierChart } from "../charts/townshipTierChart.ts";
import { html, type Raw } from "../html.ts";
import { chartBlock, chartScripts } from "../routes/chartBlock.ts";
import { breakdownFigures, labelsFor, scorecardBlock, shown } from "../routes/overviewCharts.ts";
import { nameIn, titleIn } from "../routes/pageContext.ts";
import { arrowOf, fmt1, methodMark, signed, withheldText } from "../routes/scoreRows.ts";
import type { StudyLabels } from "../routes/studyLabels.ts";
import type { ReportData, ReportRow } from "./reportData.ts";

/** Which report of a release: the district bulletin, or one page per township named. */
export type ReportKind = { kind: "district" } | { kind: "townships"; codes: string[] };

/** The townships of a release, in code order (for "all townships" and for checking a code). */
export function townshipCodes(data: ReportData): string[] {
  return [...new Set(data.rows.filter((r) => r.unit_level === "township").map((r) => r.unit_code))].sort();
}

/**
 * A release as a printable document: a page of the app (the same chart builders as the
 * overview), laid out for A4 by report.css; `barometer report` and the PDF route print it with
 * Chromium. Every figure comes from `data` (one release), so one release gives one text.
 */
export function reportDocument(data: ReportData, lang: Lang, which: ReportKind, labels: StudyLabels): string {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const wave = titleIn(data.wave, lang);
  const title =
    which.kind === "district"
      ? t("report.title", { study: titleIn(data.study, lang), wave })
      : which.codes.length === 1
        ? t("report.township_title", { township: unitName(data, which.codes[0]!, lang), wave })
        : `${titleIn(data.study, lang)} · ${wave} · ${t("report.download_townships")}`;
  const body =
    which.kind === "district"
      ? districtBody(data, lang, labels)
      : townshipsBody(data, lang, which.codes, labels);
  return printDocument(lang, title, body, data.record.release_id);
}

/** A printable page of the app: A4 by report.css, its charts drawn by the app's own script. */
export function printDocument(lang: Lang, title: string, body: Raw, release: string): string {
  return html`<!doctype html>
<html lang="${lang === "zh" ? "zh-CN" : "en"}">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/report.css">
</head>
<body class="report">
<main data-release="${release}">${body}</main>
${chartScripts}
</body>
</html>`.value;
}

/** The footer Chromium prints on every page: release, checksum, methodology, page numbers. */
export function reportFooter(data: Pick<ReportData, "record">, lang: Lang): string {
  const text = message("report.footer", lang, {
    release: data.record.release_id,
    sha256: data.record.sha256,
    version: data.record.methodology_version,
    page: "\u0000P",
    pages: "\u0000T",
  });
  const escaped = html`${text}`.value
    .replace("\u0000P", '<span class="pageNumber"></span>')
    .replace("\u0000T", '<span class="totalPages"></span>');
  return `<div style="width:100%;font-size:7px;color:#555;text-align:center;font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;padding:0 12mm">${escaped}</div>`;
}

const levelPct = (data: ReportData) => String(Math.round(data.rules.confidence_level * 100));
const ci = (r: ReportRow) => `${fmt1(r.ci_low_0_100)}–${fmt1(r.ci_high_0_100)}`;
const headline = (data: ReportData) => data.indicators.filter((i) => i.parent_id === "");
const indicatorName = (data: ReportData, id: string, lang: Lang) => {
  const found = data.indicators.find((i) => i.index_id === id);
  return found ? nameIn(found, lang) : id;
};
const orgName = (r: ReportRow, lang: Lang) => (lang === "zh" ? r.org_zh : r.org_en);

function unitName(data: ReportData, code: string, lang: Lang): string {
  const row = data.rows.find((r) => r.unit_code === code);
  return (lang === "zh" ? row?.unit_zh : row?.unit_en) ?? code;
}

/** The figures of one unit at the report's level, without breakdowns. */
function unitRows(data: ReportData, unitLevel: string, code?: string): ReportRow[] {
  return data.rows.filter(
    (r) =>
      r.unit_level === unitLevel &&
      (code === undefined || r.unit_code === code) &&
      r.group_var === "" &&
      (r.org_level === data.level || r.org_level === ""),
  );
}

/** "+1.2 ▲" where significant, "+1.2" where not, or why there is none. */
function changeCell(r: ReportRow, lang: Lang): Raw {
  if (r.change_note === "no_previous_release" || r.change_note === "model_based")
    return html`<span class="muted">—</span>`;
  if (r.change_0_100 === null)
    return html`<span class="muted">${message("report.not_comparable", lang)}</span>`;
  const arrow = arrowOf(r);
  if (!arrow) return html`<span>${signed(r.change_0_100)}</span>`;
  return html`<strong class="arrow ${r.change_0_100 > 0 ? "up" : "down"}">${arrow}</strong>`;
}

/** One figure in a cell: the value, its interval below, the change, and `extra` lines. */
function figureCell(r: ReportRow | undefined, data: ReportData, lang: Lang, extra: Raw | string = ""): Raw {
  if (!r) return html`<td class="muted">—</td>`;
  if (r.is_withheld)
    return html`<td class="withheld" title="${withheldText(r.withheld_reason, lang, data.rules)}">${message("fig.withheld", lang)}</td>`;
  return html`<td class="figure" data-index="${r.index_id}" data-org="${r.organization_id}"><span class="value">${fmt1(r.estimate_0_100)}</span>${methodMark(r, lang)}<small>${ci(r)}</small><small>${message("report.change_short", lang)} ${changeCell(r, lang)}</small>${extra}</td>`;
}

/** A row of a figures table: an indicator, or one option of a multi_share indicator. */
interface Line {
  index_id: string;
  aspect: string;
  name: string;
  detail: boolean;
}

/** The table rows the figures in `rows` fill, in the study's order of indicators. */
function linesOf(data: ReportData, rows: ReportRow[], labels: StudyLabels, lang: Lang): Line[] {
  const out: Line[] = [];
  for (const i of data.indicators) {
    const mine = rows.filter((r) => r.index_id === i.index_id);
    const whole = mine.some((r) => r.aspect === "");
    if (whole)
      out.push({ index_id: i.index_id, aspect: "", name: nameIn(i, lang), detail: i.parent_id !== "" });
    for (const aspect of new Set(mine.map((r) => r.aspect).filter(Boolean)))
      out.push({
        index_id: i.index_id,
        aspect,
        name: `${nameIn(i, lang)}${lang === "zh" ? "：" : ": "}${labels.aspect(aspect, lang)}`,
        detail: whole,
      });
  }
  return out;
}

/** A table of figures: a row per line, a column per organization; `extra` adds lines to a cell. */
function figuresTable(
  data: ReportData,
  rows: ReportRow[],
  labels: StudyLabels,
  lang: Lang,
  extra: (r: ReportRow | undefined) => Raw | string = () => "",
): Raw {
  const cell = (org: string, line: Line) =>
    rows.find((r) => r.organization_id === org && r.index_id === line.index_id && r.aspect === line.aspect);
  return html`<table class="summary-table">
<thead><tr><th>${message("report.indicator", lang)}</th>${data.orgs.map((o) => html`<th>${nameIn(o, lang)}</th>`)}</tr></thead>
<tbody>${linesOf(data, rows, labels, lang).map(
    (line) =>
      html`<tr class="${line.detail ? "detail" : ""}"><th scope="row">${line.name}</th>${data.orgs.map(
        (o) => {
          const r = cell(o.organization_id, line);
          return figureCell(r, data, lang, extra(r));
        },
      )}</tr>`,
  )}</tbody>
</table>`;
}

function changeBasis(data: ReportData, lang: Lang): string {
  return data.previous && data.previousWave
    ? message("report.change_basis", lang, {
        wave: titleIn(data.previousWave, lang),
        release: data.previous.release_id,
      })
    : message("report.no_previous", lang);
}

function districtBody(data: ReportData, lang: Lang, labels: StudyLabels): Raw {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const district = unitRows(data, "district");
  const townships = townshipCodes(data);
  const n = Math.max(0, ...district.map((r) => r.n ?? 0));
  const summary = html`<section class="page summary">
<h1>${t("report.title", { study: titleIn(data.study, lang), wave: titleIn(data.wave, lang) })}</h1>
<p class="subtitle">${t("report.subtitle", { release: data.record.release_id, date: data.record.created_at.slice(0, 10) })}</p>
<p class="intro">${t("report.intro", { release: data.record.release_id, n, units: townships.length, level: levelPct(data), change: changeBasis(data, lang) })}</p>
<h2>${t("report.section_summary")}</h2>
${figuresTable(data, district, labels, lang)}
${methodSection(data, lang, labels, n, townships.length)}
</section>`;
  const lead = headline(data).find((i) =>
    district.some((r) => r.index_id === i.index_id && r.aspect === ""),
  )?.index_id;
  const rankings = lead ? data.orgs.map((o, k) => rankingPages(data, lang, o.organization_id, lead, k)) : [];
  return html`${summary}${rankings}${lead ? breakdownPage(data, lang, labels, lead) : ""}`;
}

/** Quintile class of a value among the values of its column (for the heat shading). */
function shade(values: number[]): (v: number | null) => string {
  const sorted = [...values].sort((a, b) => a - b);
  return (v) => {
    if (v === null || !sorted.length) return "";
    const below = sorted.filter((x) => x < v).length;
    return `q${Math.min(5, 1 + Math.floor((5 * below) / sorted.length))}`;
  };
}

/** An organization's ranking table (with the heat of its other indicators) and its chart. */
function rankingPages(data: ReportData, lang: Lang, org: string, lead: string, position: number): Raw {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const rows = unitRows(data, "township").filter((r) => r.organization_id === org && r.aspect === "");
  const leadRows = rows.filter((r) => r.index_id === lead);
  const ranked = leadRows
    .filter((r) => !r.is_withheld && r.estimate_0_100 !== null)
    .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || b.estimate_0_100! - a.estimate_0_100!);
  const withheld = leadRows.filter((r) => r.is_withheld);
  const others = data.indicators
    .filter((i) => i.index_id !== lead && rows.some((r) => r.index_id === i.index_id))
    .slice(0, 6);
  const shades = new Map(
    [lead, ...others.map((i) => i.index_id)].map((id) => [
      id,
      shade(rows.filter((r) => r.index_id === id && !r.is_withheld).map((r) => r.estimate_0_100!)),
    ]),
  );
  const of = (code: string, id: string) => rows.find((r) => r.unit_code === code && r.index_id === id);
  const name = ranked[0]
    ? orgName(ranked[0], lang)
    : (data.orgs.find((o) => o.organization_id === org)?.name_zh ?? org);
  const orgLabel = data.orgs.find((o) => o.organization_id === org);
  const orgText = orgLabel ? nameIn(orgLabel, lang) : name;
  const leadName = indicatorName(data, lead, lang);
  if (!ranked.length)
    return html`<section class="${position === 0 ? "" : "page-part"}">
${position === 0 ? html`<h2>${t("report.section_ranking")}</h2>` : ""}
<h3>${t("report.ranking_title", { org: orgText, index: leadName })}</h3>
<p class="empty">${t("report.none_ranked", { index: leadName })}</p>
</section>`;
  const table = html`<section class="page ranking">
${position === 0 ? html`<h2>${t("report.section_ranking")}</h2>` : ""}
<h3>${t("report.ranking_title", { org: orgText, index: leadName })}</h3>
<table class="ranking-table" data-org="${org}">
<thead><tr><th>${t("report.rank")}</th><th>${t("unit.township")}</th><th>${leadName}</th><th>${t("report.ci", { level: levelPct(data) })}</th><th>${t("report.rank_interval")}</th><th>${t("fig.tier")}</th><th>${t("report.change_short")}</th>${others.map(
    (i) => html`<th class="other">${nameIn(i, lang)}</th>`,
  )}</tr></thead>
<tbody>${ranked.map((r) => {
    const other = others.map((i) => {
      const o = of(r.unit_code, i.index_id);
      if (!o || o.is_withheld) return html`<td class="muted other">—</td>`;
      return html`<td class="other ${shades.get(i.index_id)!(o.estimate_0_100)}">${fmt1(o.estimate_0_100)}${methodMark(o, lang)}</td>`;
    });
    return html`<tr data-unit="${r.unit_code}"><td class="num">${r.rank ?? ""}</td><td>${lang === "zh" ? r.unit_zh : r.unit_en}</td><td class="num lead ${shades.get(lead)!(r.estimate_0_100)}">${fmt1(r.estimate_0_100)}${methodMark(r, lang)}</td><td class="num">${ci(r)}</td><td class="num">${r.rank_low ?? ""}–${r.rank_high ?? ""}</td><td class="num">${r.tier ?? ""}${r.is_tier_uncertain ? "?" : ""}</td><td class="num">${changeCell(r, lang)}</td>${other}</tr>`;
  })}</tbody>
</table>
<p class="note">${t("report.ranking_note", { level: levelPct(data) })}${
    withheld.length
      ? ` ${t("report.withheld_units", { units: withheld.map((r) => (lang === "zh" ? r.unit_zh : r.unit_en) ?? r.unit_code).join(lang === "zh" ? "、" : ", ") })}`
      : ""
  }</p>
</section>`;
  const figures = shown(ranked, lang).map((s) => ({
    ...s,
    township: (lang === "zh" ? s.row.unit_zh : s.row.unit_en) ?? s.row.unit_code,
    tier: t("fig.tier_n", { tier: String(s.row.tier ?? "") }),
    href: "",
    row: undefined,
  }));
  const tiers = [...new Set(ranked.map((r) => r.tier).filter((x): x is number => x !== null))]
    .sort((a, b) => a - b)
    .map((tier) => t("fig.tier_n", { tier: String(tier) }));
  const chart = html`<section class="page chart-page">${chartBlock(
    `chart-rank-${org}`,
    townshipTierChart(
      figures,
      {
        ...labelsFor(lang),
        title: t("report.chart_title", { org: orgText, index: leadName }),
        township: t("unit.township"),
        tier: t("fig.tier"),
      },
      { organizations: [orgText], tiers },
    ),
    figures.length,
    "points",
    t("overview.townships_note"),
  )}</section>`;
  return html`${table}${chart}`;
}

function breakdownPage(data: ReportData, lang: Lang, labels: StudyLabels, lead: string): Raw {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const rows = data.rows.filter(
    (r) =>
      r.unit_level === "district" &&
      r.group_var !== "" &&
      r.index_id === lead &&
      r.aspect === "" &&
      (r.org_level === data.level || r.org_level === ""),
  );
  if (!rows.length) return html``;
  const present = new Set(rows.map((r) => r.group_var));
  const variables = [
    ...data.breakdowns.filter((v) => present.has(v)),
    ...[...present].filter((v) => !data.breakdowns.includes(v)),
  ];
  const { groups, groupOrder } = breakdownFigures(rows, lang, labels);
  const leadName = indicatorName(data, lead, lang);
  return html`<section class="page breakdown">
<h2>${t("report.section_breakdown")}</h2>
${chartBlock(
  "chart-breakdown",
  breakdownChart(
    groups,
    {
      ...labelsFor(lang),
      title: t("overview.breakdown", { index: leadName, wave: titleIn(data.wave, lang) }),
      category: t("fig.group"),
    },
    {
      organizations: data.orgs.map((o) => nameIn(o, lang)),
      groups: groupOrder,
      variables: variables.map((v) => labels.variable(v, lang)),
    },
  ),
  groups.length,
  "points",
)}
</section>`;
}

function methodSection(data: ReportData, lang: Lang, labels: StudyLabels, n: number, units: number): Raw {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const study: Study | undefined = labels.study;
  const weights = study?.design.base_weights;
  const calibration = study?.calibration;
  const margins = calibration?.margins.flatMap((m) => m.variables) ?? [];
  const weighting =
    (weights?.method === "column"
      ? t("report.method_weights_column", { column: weights.column })
      : t("report.method_weights_design")) +
    (calibration && calibration.method !== "none" && margins.length
      ? t("report.method_calibrated", {
          margins: [...new Set(margins)]
            .map((v) => labels.variable(v, lang))
            .join(lang === "zh" ? "、" : ", "),
          method: calibration.method,
        })
      : t("report.method_not_calibrated"));
  return html`<section class="method">
<h2>${t("report.section_method")}</h2>
<p>${t("report.method_sample", { wave: titleIn(data.wave, lang), n, units })}</p>
<p>${weighting}</p>
<p>${intervalsNote(study, labels, lang)}</p>
<p>${t("report.method_suppression", { min_n: data.rules.min_n, max_rse: data.rules.max_rse, level: levelPct(data) })}</p>
<p>${t("report.method_release", { release: data.record.release_id, sha256: data.record.sha256, version: data.record.methodology_version })}</p>
</section>`;
}

/**
 * The study's interval rule in a sentence (the methodology page's paragraph, short): "nominal"
 * (scores on Satterthwaite df; rates on normal quantiles where the variance has a stage-2 term,
 * else t on the design df), or R's rule (t on the design df throughout).
 */
function intervalsNote(study: Study | undefined, labels: StudyLabels, lang: Lang): string {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const first = study?.design.ids?.[0];
  const psu = first ? labels.variable(first, lang) : "PSU";
  if (study?.reporting.intervals === "r") return t("report.method_intervals_r", { psu });
  const rates = study && stageTwoVariance(study) ? t("method.rates_normal") : t("method.rates_t", { psu });
  return t("report.method_intervals", { rate_quantiles: rates });
}

/** One page per township: its organizations' figures with ranks and tiers, and its scorecard. */
function townshipsBody(data: ReportData, lang: Lang, codes: string[], labels: StudyLabels): Raw {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const heads = headline(data);
  const rankedCount = (org: string, index: string) =>
    unitRows(data, "township").filter(
      (r) => r.organization_id === org && r.index_id === index && r.rank !== null,
    ).length;
  return html`${codes.map((code) => {
    const rows = unitRows(data, "township", code);
    const allWithheld = rows.every((r) => r.is_withheld);
    const card = scorecardBlock(
      `chart-unit-${code}`,
      rows.filter((r) => r.aspect === ""),
      { scorecard: heads.map((i) => i.index_id), indicators: data.indicators },
      lang,
      { wave: titleIn(data.wave, lang), organizations: data.orgs.map((o) => nameIn(o, lang)) },
    );
    return html`<section class="page township" data-unit="${code}">
<h1>${t("report.township_title", { township: unitName(data, code, lang), wave: titleIn(data.wave, lang) })}</h1>
<p class="subtitle">${t("report.subtitle", { release: data.record.release_id, date: data.record.created_at.slice(0, 10) })}</p>
${
  allWithheld
    ? html`<p class="empty">${t("report.all_withheld")}</p>`
    : html`${figuresTable(data, rows, labels, lang, (r) =>
        r && r.rank !== null && r.rank !== undefined
          ? html`<small>${t("report.rank_of", {
              rank: r.rank,
              count: rankedCount(r.organization_id, r.index_id),
              low: r.rank_low ?? "",
              high: r.rank_high ?? "",
              tier: t("fig.tier_n", { tier: String(r.tier ?? "") }) + (r.is_tier_uncertain ? "?" : ""),
            })}</small>`
          : "",
      )}
<p class="note">${t("report.township_note")} ${changeBasis(data, lang)}</p>
${card}`
}
</section>`;
  })}`;
}
