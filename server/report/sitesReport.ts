import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import type { ReleaseFile, ReleaseRecord } from "../../models/index.ts";
import type { SiteStudyConfig } from "../../study/sites/index.ts";
import { html } from "../html.ts";
import { changeCell, fmt, named, type ScoreRow, statusBadge, verdictLines } from "../routes/sites.ts";
import { printDocument } from "./reportPage.ts";

/** A demonstration-sites release's row, by its column names (SITE_RELEASE_COLUMNS). */
type SiteRow = Omit<ScoreRow, "period" | "projects_planned" | "projects_done"> & { scoring_version: string };

export interface SitesReportData {
  record: ReleaseRecord;
  config: SiteStudyConfig;
  rows: SiteRow[];
}

const STATUSES = ["good_standing", "watch", "exit_review", "exited"] as const;

/** A sites release and its study's configuration as recorded (names of groups, levels, types). */
export async function sitesReportData(
  db: Database,
  record: ReleaseRecord,
  file: ReleaseFile,
): Promise<SitesReportData | undefined> {
  if (!file.columns.includes("site_id")) return undefined;
  const [row] = await db
    .query<{ config_json: string }>("select config_json from site_studies where study_id = $1", [
      record.study_id,
    ])
    .catch(() => []);
  if (!row) return undefined;
  const rows = file.rows.map(
    (r) => Object.fromEntries(file.columns.map((c, i) => [c, r[i]])) as unknown as SiteRow,
  );
  return { record, config: JSON.parse(row.config_json) as SiteStudyConfig, rows };
}

/**
 * A half-year's site scores as a printable document: a summary page (sites by status and work
 * group, the rules and scoring versions) and one page per work group (its sites' scores with
 * intervals, change, news and status, and what the exit rules say of each site not in good
 * standing). Every figure comes from the release.
 */
export function sitesReportDocument(data: SitesReportData, lang: Lang): string {
  const t = (k: MessageKey, p: Record<string, string | number> = {}) => message(k, lang, p);
  const { config, record, rows } = data;
  const title = t("report.sites_title", { study: config.title[lang], period: record.wave_id });
  const count = (list: SiteRow[], status: string) => list.filter((r) => r.status === status).length;
  const groups = config.work_groups.filter((g) => rows.some((r) => r.work_group === g.id));
  const summary = html`<section class="page summary">
<h1>${title}</h1>
<p class="subtitle">${t("report.subtitle", { release: record.release_id, date: record.created_at.slice(0, 10) })}</p>
<p class="intro">${t("report.sites_intro", {
    n: rows.length,
    good: count(rows, "good_standing"),
    watch: count(rows, "watch"),
    exit: count(rows, "exit_review"),
    exited: count(rows, "exited"),
  })}</p>
<h2>${t("report.sites_by_group")}</h2>
<table class="summary-table sites-summary">
<thead><tr><th>${t("sites.group")}</th><th>${t("report.sites_count")}</th>${STATUSES.map((s) => html`<th>${t(`sites.status.${s}`)}</th>`)}</tr></thead>
<tbody>${groups.map((g) => {
    const mine = rows.filter((r) => r.work_group === g.id);
    return html`<tr data-group="${g.id}"><th scope="row">${g.name[lang]}</th><td>${mine.length}</td>${STATUSES.map((s) => html`<td>${count(mine, s)}</td>`)}</tr>`;
  })}</tbody>
</table>
<section class="method">
<h2>${t("report.section_method")}</h2>
<p>${t("report.sites_method", { scoring: String(rows[0]?.scoring_version ?? ""), rules: String(rows[0]?.rules_version ?? "") })}</p>
<p>${t("report.method_release", { release: record.release_id, sha256: record.sha256, version: record.methodology_version })}</p>
</section>
</section>`;
  const pages = groups.map((g) => {
    const mine = rows
      .filter((r) => r.work_group === g.id)
      .sort((a, b) => (b.combined_0_100 ?? -1) - (a.combined_0_100 ?? -1));
    const flagged = mine.filter((r) => r.status !== "good_standing" && r.status !== "exited");
    return html`<section class="page work-group" data-group="${g.id}">
<h2>${g.name[lang]}</h2>
<table class="ranking-table sites-table">
<thead><tr><th>${t("sites.site")}</th><th>${t("sites.level")}</th><th>${t("sites.type")}</th><th>${t("sites.combined")}</th><th>${t("sites.ci")}</th><th>${t("sites.assessment")}</th><th>${t("sites.satisfaction")}</th><th>${t("sites.change")}</th><th>${t("sites.news")}</th><th>${t("sites.status")}</th></tr></thead>
<tbody>${mine.map(
      (r) =>
        html`<tr data-site="${r.site_id}"><td>${lang === "zh" ? r.name_zh : r.name_en}</td><td>${named(config.levels, r.level, lang)}</td><td>${named(config.site_types, r.site_type, lang)}</td><td class="num">${fmt(r.combined_0_100)}</td><td class="num">${r.ci_low === null ? "—" : `${fmt(r.ci_low)}–${fmt(r.ci_high)}`}</td><td class="num">${fmt(r.assessment_0_100)}</td><td class="num">${fmt(r.satisfaction_0_100)}</td><td class="num">${changeCell(r)}</td><td class="num">${r.news_total ?? "—"}</td><td>${statusBadge(r.status, lang)}</td></tr>`,
    )}</tbody>
</table>
${
  flagged.length
    ? html`<h3>${t("sites.verdicts")}</h3>${flagged.map(
        (r) =>
          html`<p class="site-verdicts"><strong>${lang === "zh" ? r.name_zh : r.name_en}</strong></p><ul class="verdicts">${verdictLines(r.verdicts_json, lang)}</ul>`,
      )}`
    : html`<p class="note">${t("report.sites_none_flagged")}</p>`
}
</section>`;
  });
  return printDocument(lang, title, html`${summary}${pages}`, record.release_id);
}
