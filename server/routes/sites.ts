import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import type { SiteStudyConfig } from "../../study/sites/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { siteScoreChart, siteTrendChart } from "../charts/siteScoreChart.ts";
import { HttpError } from "../HttpError.ts";
import { html, type Raw } from "../html.ts";
import { langOf } from "./api.ts";
import { chartBlock, chartScripts } from "./chartBlock.ts";
import { layout } from "./layout.ts";

export interface ScoreRow {
  site_id: string;
  period: string;
  name_zh: string;
  name_en: string;
  level: string;
  site_type: string;
  work_group: string;
  combined_0_100: number | null;
  ci_low: number | null;
  ci_high: number | null;
  assessment_0_100: number | null;
  satisfaction_0_100: number | null;
  change: number | null;
  is_change_significant: boolean | null;
  news_total: number | null;
  news_months_below: number | null;
  projects_planned: number | null;
  projects_done: number | null;
  status: string;
  verdicts_json: string;
  rules_version: string;
}

/** The site study the pages show: `?study=` or the first with site marts, and its config as recorded. */
async function siteStudy(db: Database, requested: unknown) {
  const rows = await db
    .query<{ study_id: string; config_json: string }>(
      "select study_id, config_json from site_studies order by study_id",
    )
    .catch(() => []);
  const found = rows.find((r) => r.study_id === requested) ?? rows[0];
  if (!found) return undefined;
  const rel = (name: string) => quoteIdent(`${name}__${found.study_id}`);
  return { id: found.study_id, config: JSON.parse(found.config_json) as SiteStudyConfig, rel };
}

export const fmt = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? "—" : x.toFixed(digits);
export const named = (list: { id: string; name: { zh: string; en: string } }[], id: string, lang: Lang) =>
  list.find((x) => x.id === id)?.name[lang] ?? id;

export function verdictLines(json: string, lang: Lang): Raw[] {
  const verdicts = JSON.parse(json) as {
    rule: string;
    action: string;
    figures: Record<string, string | number>;
  }[];
  return verdicts
    .filter((v) => v.action !== "none")
    .map((v) => {
      const figures = Object.fromEntries(Object.entries(v.figures).map(([k, x]) => [k, String(x ?? "—")]));
      return html`<li class="verdict ${v.action}"><strong>${message(`sites.status.${v.action}` as MessageKey, lang)}</strong> · ${message(`sites.rule.${v.rule}` as MessageKey, lang, figures)}</li>`;
    });
}

export function statusBadge(status: string, lang: Lang): Raw {
  return html`<span class="site-status ${status}">${message(`sites.status.${status}` as MessageKey, lang)}</span>`;
}

export function changeCell(row: Pick<ScoreRow, "change" | "is_change_significant">): Raw {
  if (row.change === null) return html`—`;
  const arrow = row.is_change_significant ? (row.change > 0 ? "▲ " : "▼ ") : "";
  return html`${arrow}${row.change > 0 ? "+" : ""}${fmt(row.change)}`;
}

export const siteScores = apiRoute({
  method: "get",
  path: "/sites/scores",
  summary: "The demonstration sites' half-year scores with status and each exit rule's verdict",
  capability: "scores",
  query: z.object({
    study: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, "a study id")
      .optional(),
    period: z
      .string()
      .regex(/^\d{4}H[12]$/, "a half-year such as 2021H1")
      .optional(),
  }),
  responses: {
    200: {
      description: "site scores",
      schema: z.object({
        study_id: z.string(),
        rows: z.array(z.looseObject({ period: z.string(), site_id: z.string(), verdicts: z.unknown() })),
      }),
    },
    404: { description: "no demonstration-sites study" },
  },
});

/**
 * The demonstration sites' pages: `/sites` (every site's combined score, six-haves profile,
 * status and change, with filters), `/sites/:id` (one site's history, assessors side by side,
 * the rules' verdicts) and `/sites/groups/:id` (a work group's sites and its assessors'
 * severity where the design identifies it); and `/api/v1/sites/scores` (JSON).
 */
export function sitesRouter(db: Database): express.Router {
  const router = express.Router();

  const api = express.Router();
  router.use("/api/v1", api);
  mount(api, siteScores, [], async (_req, res, { query }) => {
    const s = await siteStudy(db, query.study);
    if (!s) throw new HttpError(404, "not_found", "no demonstration-site study");
    const period = query.period ?? null;
    const rows = await db.query(
      `select * exclude (verdicts_json), verdicts_json::json as verdicts from ${s.rel("site_scores")}
       where $1::varchar is null or period = $1 order by period, site_id`,
      [period],
    );
    res.json({ study_id: s.id, rows });
  });

  router.get("/sites", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const s = await siteStudy(db, req.query.study);
    const send = (body: Raw) =>
      res.type("html").send(
        layout(lang, `${t("sites.title")} · ${t("ui.app_name")}`, body, principal(res), {
          url: req.originalUrl,
        }),
      );
    if (!s) return send(html`<h1>${t("sites.title")}</h1><p class="empty">${t("sites.none")}</p>`);
    const periods = (
      await db.query<{ period: string }>(
        `select distinct period from ${s.rel("site_scores")} order by period`,
      )
    ).map((p) => p.period);
    const period = periods.includes(String(req.query.period))
      ? String(req.query.period)
      : (periods[periods.length - 1] as string);
    const pick = (key: string, allowed: string[]) =>
      allowed.includes(String(req.query[key])) ? String(req.query[key]) : "";
    const level = pick(
      "level",
      s.config.levels.map((l) => l.id),
    );
    const type = pick(
      "type",
      s.config.site_types.map((x) => x.id),
    );
    const group = pick(
      "group",
      s.config.work_groups.map((g) => g.id),
    );
    const rows = await db.query<ScoreRow>(
      `select r.site_id, r.name_zh, r.name_en, r.level, r.site_type, r.work_group, s.* exclude (site_id)
       from ${s.rel("site_register")} r join ${s.rel("site_scores")} s using (site_id)
       where s.period = $1 and ($2 = '' or r.level = $2) and ($3 = '' or r.site_type = $3) and ($4 = '' or r.work_group = $4)
       order by s.combined_0_100 desc nulls last, r.site_id`,
      [period, level, type, group],
    );
    const haves = await db.query<{ site_id: string; have_id: string; mean_0_100: number }>(
      `select site_id, have_id, mean_0_100 from ${s.rel("site_have_scores")} where period = $1`,
      [period],
    );
    const [rel] = await db.query<Record<string, number>>(
      `select * from ${s.rel("site_reliability")} where period = $1`,
      [period],
    );
    const rules = s.config.exit_rules.filter((r) => r.from_period <= period).at(-1) ?? s.config.exit_rules[0];
    const scoring = s.config.scoring.filter((r) => r.from_period <= period).at(-1) ?? s.config.scoring[0];
    const name = (r: { name_zh: string; name_en: string }) => (lang === "zh" ? r.name_zh : r.name_en);
    const suffix = lang === "en" ? "&lang=en" : "";
    const option = (value: string, label: string, current: string) =>
      html`<option value="${value}" ${value === current ? "selected" : ""}>${label}</option>`;
    const scored = rows.filter((r) => r.combined_0_100 !== null);
    const summary = (key: "level" | "work_group", ids: { id: string; name: { zh: string; en: string } }[]) =>
      ids.map((x) => {
        const own = scored.filter((r) => r[key] === x.id);
        const mean = own.reduce((a, r) => a + (r.combined_0_100 as number), 0) / (own.length || 1);
        const se =
          Math.sqrt(
            own.reduce(
              (a, r) => a + (((r.ci_high as number) - (r.ci_low as number)) / 3.919927969080108) ** 2,
              0,
            ),
          ) / (own.length || 1);
        return html`<tr><th scope="row">${x.name[lang]}</th><td class="num">${own.length}</td><td class="num">${own.length ? fmt(mean) : "—"}</td><td class="num">${own.length ? `${fmt(mean - 1.96 * se)}–${fmt(mean + 1.96 * se)}` : "—"}</td></tr>`;
      });
    const body = html`<div class="page-head"><h1>${s.config.title[lang]} <span class="wave">${period}</span></h1></div>
<form class="filters" method="get" action="/sites">
${lang === "en" ? html`<input type="hidden" name="lang" value="en">` : ""}
<label>${t("sites.period")} <select name="period">${periods.map((p) => option(p, p, period))}</select></label>
<label>${t("sites.filter_level")} <select name="level">${option("", t("sites.all"), level)}${s.config.levels.map((l) => option(l.id, l.name[lang], level))}</select></label>
<label>${t("sites.filter_type")} <select name="type">${option("", t("sites.all"), type)}${s.config.site_types.map((x) => option(x.id, x.name[lang], type))}</select></label>
<label>${t("sites.filter_group")} <select name="group">${option("", t("sites.all"), group)}${s.config.work_groups.map((g) => option(g.id, g.name[lang], group))}</select></label>
<button type="submit">${t("sites.apply")}</button>
</form>
<p class="note">${t("sites.rules_note", { version: rules?.version ?? "", threshold: String(rules?.threshold), confidence: String(Math.round((rules?.confidence ?? 0.95) * 100)) })}</p>
${chartBlock(
  "site-scores",
  siteScoreChart(
    scored.map((r) => ({
      site: r.site_id,
      label: name(r),
      combined: r.combined_0_100 as number,
      low: r.ci_low as number,
      high: r.ci_high as number,
      status: r.status,
    })),
    {
      title: t("sites.chart_title"),
      value: t("sites.combined"),
      site: t("sites.site"),
      status: t("sites.status"),
      exitLine: t("sites.exit_line"),
    },
    rules?.threshold ?? 0,
  ),
  scored.length,
  "points",
)}
<div class="table-scroll"><table class="sites-table">
<thead><tr><th scope="col">${t("sites.site")}</th><th scope="col">${t("sites.level")}</th><th scope="col">${t("sites.group")}</th>
<th scope="col" class="num">${t("sites.combined")}</th><th scope="col">${t("sites.ci")}</th>
${s.config.haves.map((h) => html`<th scope="col" class="num have">${h.name[lang]}</th>`)}
<th scope="col">${t("sites.change")}</th><th scope="col" class="num">${t("sites.news")}</th><th scope="col">${t("sites.status")}</th></tr></thead>
<tbody>${rows.map(
      (r) => html`<tr data-site="${r.site_id}">
<th scope="row"><a href="/sites/${r.site_id}?period=${period}${suffix}">${name(r)}</a></th>
<td>${named(s.config.levels, r.level, lang)}</td>
<td><a href="/sites/groups/${r.work_group}?period=${period}${suffix}">${named(s.config.work_groups, r.work_group, lang)}</a></td>
<td class="num combined">${fmt(r.combined_0_100)}</td><td class="ci">${r.ci_low === null ? "—" : `${fmt(r.ci_low)}–${fmt(r.ci_high)}`}</td>
${s.config.haves.map((h) => {
  const v = haves.find((x) => x.site_id === r.site_id && x.have_id === h.id)?.mean_0_100;
  return html`<td class="num heat" style="--v:${v === undefined ? 0 : Math.round(v)}">${fmt(v, 0)}</td>`;
})}
<td class="num">${changeCell(r)}</td><td class="num">${r.news_total ?? "—"}</td><td>${statusBadge(r.status, lang)}</td></tr>`,
    )}</tbody></table></div>
${rel ? html`<p class="note">${t("sites.reliability", { icc: fmt(rel.icc, 2), low: fmt(rel.icc_ci_low, 2), high: fmt(rel.icc_ci_high, 2), n_assessors: String(rel.n_assessors), n_sites: String(rel.n_sites), n_ratings: String(rel.n_ratings) })}</p>` : ""}
<section><h2>${t("sites.by_level")}</h2><div class="table-scroll"><table><thead><tr><th></th><th class="num">${t("sites.n_sites")}</th><th class="num">${t("sites.mean_of_sites")}</th><th>${t("sites.ci")}</th></tr></thead><tbody>${summary("level", s.config.levels)}</tbody></table></div></section>
<section><h2>${t("sites.by_group")}</h2><div class="table-scroll"><table><thead><tr><th></th><th class="num">${t("sites.n_sites")}</th><th class="num">${t("sites.mean_of_sites")}</th><th>${t("sites.ci")}</th></tr></thead><tbody>${summary("work_group", s.config.work_groups)}</tbody></table></div></section>
<p class="note">${t("sites.method_note", { wa: String(scoring?.combined.assessment), ws: String(scoring?.combined.survey) })}</p>
${chartScripts}`;
    send(body);
  });

  router.get("/sites/groups/:group", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const s = await siteStudy(db, req.query.study);
    const group = s?.config.work_groups.find((g) => g.id === req.params.group);
    if (!s || !group) throw new HttpError(404, "not_found", "no such work group");
    const periods = (
      await db.query<{ period: string }>(
        `select distinct period from ${s.rel("site_scores")} order by period`,
      )
    ).map((p) => p.period);
    const period = periods.includes(String(req.query.period))
      ? String(req.query.period)
      : (periods.at(-1) as string);
    const rows = await db.query<ScoreRow>(
      `select r.site_id, r.name_zh, r.name_en, r.level, r.site_type, r.work_group, s.* exclude (site_id)
       from ${s.rel("site_register")} r join ${s.rel("site_scores")} s using (site_id)
       where s.period = $1 and r.work_group = $2 order by s.combined_0_100 desc nulls last`,
      [period, group.id],
    );
    const [effect] = await db.query<{ effect: number; ci_low: number; ci_high: number }>(
      `select effect, ci_low, ci_high from ${s.rel("site_rater_effects")} where period = $1 and rater_kind = 'work_group' and rater_id = $2`,
      [period, group.id],
    );
    const suffix = lang === "en" ? "&lang=en" : "";
    const body = html`<h1>${group.name[lang]} <span class="wave">${period}</span></h1>
<p><a href="/sites?period=${period}${suffix}">${t("sites.title")}</a></p>
<p class="note">${effect ? t("sites.group_effect", { effect: fmt(effect.effect), low: fmt(effect.ci_low), high: fmt(effect.ci_high) }) : t("sites.group_not_identified")}</p>
<h2>${t("sites.group_sites")}</h2>
<div class="table-scroll"><table><thead><tr><th>${t("sites.site")}</th><th>${t("sites.level")}</th><th class="num">${t("sites.combined")}</th><th>${t("sites.ci")}</th><th>${t("sites.status")}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row"><a href="/sites/${r.site_id}?period=${period}${suffix}">${lang === "zh" ? r.name_zh : r.name_en}</a></th><td>${named(s.config.levels, r.level, lang)}</td><td class="num combined">${fmt(r.combined_0_100)}</td><td>${r.ci_low === null ? "—" : `${fmt(r.ci_low)}–${fmt(r.ci_high)}`}</td><td>${statusBadge(r.status, lang)}</td></tr>`)}</tbody></table></div>`;
    res.type("html").send(
      layout(lang, `${group.name[lang]} · ${t("ui.app_name")}`, body, principal(res), {
        url: req.originalUrl,
      }),
    );
  });

  router.get("/sites/:site", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const s = await siteStudy(db, req.query.study);
    if (!s) throw new HttpError(404, "not_found", "no demonstration-site study");
    const [site] = await db.query<{
      site_id: string;
      name_zh: string;
      name_en: string;
      level: string;
      site_type: string;
      work_group: string;
      district: string;
      designated_on: string;
      exited_on: string | null;
    }>(`select * from ${s.rel("site_register")} where site_id = $1`, [String(req.params.site)]);
    if (!site) throw new HttpError(404, "not_found", "no such site");
    const history = await db.query<ScoreRow>(
      `select r.site_id, r.name_zh, r.name_en, r.level, r.site_type, r.work_group, s.* exclude (site_id)
       from ${s.rel("site_register")} r join ${s.rel("site_scores")} s using (site_id) where site_id = $1 order by period`,
      [site.site_id],
    );
    const ratings = await db.query<Record<string, string | number>>(
      `select * from ${s.rel("site_ratings")} where site_id = $1 order by period, assessor_id`,
      [site.site_id],
    );
    const latest = history.filter((h) => h.status !== "exited").at(-1);
    const rules = s.config.exit_rules.at(-1);
    const suffix = lang === "en" ? "?lang=en" : "";
    const body = html`<h1>${lang === "zh" ? site.name_zh : site.name_en}</h1>
<p><a href="/sites${suffix}">${t("sites.title")}</a> · ${named(s.config.levels, site.level, lang)} · ${named(s.config.site_types, site.site_type, lang)} · <a href="/sites/groups/${site.work_group}${suffix}">${named(s.config.work_groups, site.work_group, lang)}</a></p>
${
  latest
    ? html`<p class="site-headline"><span class="big combined">${fmt(latest.combined_0_100)}</span> (${t("sites.ci")} ${fmt(latest.ci_low)}–${fmt(latest.ci_high)}, ${latest.period}) ${statusBadge(history.at(-1)?.status ?? latest.status, lang)}</p>
<h2>${t("sites.verdicts")}</h2><ul class="verdicts">${verdictLines(latest.verdicts_json, lang).length ? verdictLines(latest.verdicts_json, lang) : html`<li>${t("sites.no_rule_fired")}</li>`}</ul>`
    : ""
}
${chartBlock(
  "site-trend",
  siteTrendChart(
    history
      .filter((h) => h.combined_0_100 !== null)
      .map((h) => ({
        period: h.period,
        combined: h.combined_0_100 as number,
        low: h.ci_low as number,
        high: h.ci_high as number,
      })),
    { title: t("sites.trend_title"), value: t("sites.combined"), period: t("sites.period") },
    rules?.threshold ?? 0,
  ),
  history.filter((h) => h.combined_0_100 !== null).length,
  "points",
)}
<h2>${t("sites.history")}</h2>
<div class="table-scroll"><table><thead><tr><th>${t("sites.period")}</th><th class="num">${t("sites.combined")}</th><th>${t("sites.ci")}</th><th class="num">${t("sites.assessment")}</th><th class="num">${t("sites.satisfaction")}</th><th>${t("sites.change")}</th><th class="num">${t("sites.news")}</th><th class="num">${t("sites.projects")}</th><th>${t("sites.status")}</th></tr></thead>
<tbody>${history.map((h) => html`<tr><th scope="row">${h.period}</th><td class="num combined">${fmt(h.combined_0_100)}</td><td>${h.ci_low === null ? "—" : `${fmt(h.ci_low)}–${fmt(h.ci_high)}`}</td><td class="num">${fmt(h.assessment_0_100)}</td><td class="num">${fmt(h.satisfaction_0_100)}</td><td class="num">${changeCell(h)}</td><td class="num">${h.news_total ?? "—"}</td><td class="num">${h.projects_planned ? `${h.projects_done}/${h.projects_planned}` : "—"}</td><td>${statusBadge(h.status, lang)}</td></tr>`)}</tbody></table></div>
<h2>${t("sites.assessors")}</h2>
<div class="table-scroll"><table><thead><tr><th>${t("sites.period")}</th><th>${t("sites.assessor")}</th>${s.config.haves.map((h) => html`<th class="num">${h.name[lang]}</th>`)}<th class="num">${t("sites.total")}</th></tr></thead>
<tbody>${ratings.map((r) => html`<tr><th scope="row">${r.period}</th><td>${r.assessor_id} (${named(s.config.work_groups, String(r.work_group), lang)})</td>${s.config.haves.map((h) => html`<td class="num">${fmt(Number(r[`have_${h.id}`]))}</td>`)}<td class="num">${fmt(Number(r.total_0_100))}</td></tr>`)}</tbody></table></div>
${chartScripts}`;
    res
      .type("html")
      .send(
        layout(
          lang,
          `${lang === "zh" ? site.name_zh : site.name_en} · ${t("ui.app_name")}`,
          body,
          principal(res),
          { url: req.originalUrl },
        ),
      );
  });
  return router;
}
