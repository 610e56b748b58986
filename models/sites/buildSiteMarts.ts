import { resolve } from "node:path";
import { surveyDesign, surveyMean } from "../../analysis/index.ts";
import { assessSites, type SiteRating } from "../../analysis/sites/index.ts";
import type { Database, Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { SiteStudy } from "../../study/sites/index.ts";
import { writeRows } from "../seeds/writeRows.ts";
import { type PeriodFigures, siteStatus, versionFor } from "./siteStatus.ts";
import { withLandedAssessments } from "./withLandedAssessments.ts";

/** The relation of a demonstration-sites table: `<name>__<study id>`, as for the survey's marts. */
export const siteRelation = (name: string, studyId: string) => `${name}__${studyId}`;

const periodEnd = (period: string) => `${period.slice(0, 4)}-${period.endsWith("H1") ? "06-30" : "12-31"}`;

/**
 * Build the demonstration sites' tables from a loaded site study, in one transaction:
 * - `site_register`, `site_assessors`: the registers, with names.
 * - `site_ratings`: one row per site, half-year and assessor: each have's score and the
 *   weighted total (0–100) under the scoring version in force.
 * - `site_scores` (mart): one row per site and half-year: the assessment score for an
 *   assessor of average severity and its SE, the served people's satisfaction and its SE, the
 *   combined score with its interval, the change since the last half-year, news and projects,
 *   and the status under the exit rules with each rule's verdict (`verdicts_json`).
 * - `site_have_scores`: per site, half-year and have: the assessors' mean, min and max.
 * - `site_rater_effects`: per half-year, each assessor's and work group's effect with its CI,
 *   only where the design identifies them.
 * - `site_reliability`: per half-year, the variance components and the ICC with its interval.
 * Statistics come from `analysis/sites` (mixed model) and the survey engine (served people).
 * The assessments are the folder's plus the uploads landed by `barometer sites ingest`
 * (withLandedAssessments).
 */
export async function buildSiteMarts(
  db: Database,
  study: SiteStudy,
): Promise<{ periods: string[]; sites: number }> {
  return db.transaction((session) => buildSiteMartsIn(session, study));
}

/** buildSiteMarts inside a transaction the caller holds (an upload lands and rebuilds in one). */
export async function buildSiteMartsIn(
  session: Session,
  folderStudy: SiteStudy,
): Promise<{ periods: string[]; sites: number }> {
  const study = await withLandedAssessments(session, folderStudy);
  const id = study.config.id;
  const rel = (name: string) => siteRelation(name, id);
  await writeRows(
    session,
    rel("site_register"),
    {
      site_id: "varchar",
      name_zh: "varchar",
      name_en: "varchar",
      level: "varchar",
      site_type: "varchar",
      district: "varchar",
      work_group: "varchar",
      designated_on: "varchar",
      exited_on: "varchar",
    },
    study.sites.map((s) => ({ ...s })),
  );
  await writeRows(
    session,
    rel("site_assessors"),
    { assessor_id: "varchar", work_group: "varchar", name: "varchar" },
    study.assessors.map((a) => ({ ...a })),
  );
  const groupOf = new Map(study.assessors.map((a) => [a.assessor_id, a.work_group]));
  const haves = study.config.haves;
  const ratings = study.assessments.map((a) => {
    const scoring = versionFor(study.config.scoring, a.period);
    const haveScores = Object.fromEntries(
      haves.map((h) => [h.id, h.items.reduce((s, it) => s + (a.items[it] as number), 0)]),
    );
    const weightSum = haves.reduce((s, h) => s + (scoring.have_weights[h.id] as number), 0);
    const total =
      (100 *
        haves.reduce(
          (s, h) => s + ((scoring.have_weights[h.id] as number) * (haveScores[h.id] as number)) / h.max,
          0,
        )) /
      weightSum;
    const minimum = versionFor(study.config.exit_rules, a.period).news?.minimum_per_month ?? 1;
    return {
      site_id: a.site_id,
      period: a.period,
      assessor_id: a.assessor_id,
      work_group: groupOf.get(a.assessor_id) as string,
      assessed_on: a.assessed_on,
      scoring_version: scoring.version,
      total_0_100: total,
      projects_planned: a.projects_planned,
      projects_done: a.projects_done,
      news_total: a.news.reduce((s, x) => s + x, 0),
      news_months_below: a.news.filter((x) => x < minimum).length,
      ...Object.fromEntries(haves.map((h) => [`have_${h.id}`, haveScores[h.id]])),
    };
  });
  await writeRows(
    session,
    rel("site_ratings"),
    {
      site_id: "varchar",
      period: "varchar",
      assessor_id: "varchar",
      work_group: "varchar",
      assessed_on: "varchar",
      scoring_version: "varchar",
      total_0_100: "double",
      projects_planned: "integer",
      projects_done: "integer",
      news_total: "integer",
      news_months_below: "integer",
      ...Object.fromEntries(haves.map((h) => [`have_${h.id}`, "double" as const])),
    },
    ratings,
  );

  // The served people's satisfaction: each site and half-year a stratum, people drawn at the
  // site (one stage, equal weights within the site), the site and half-year the domain.
  const survey = new Map<string, { estimate: number; se: number; n: number }>();
  if (study.config.served_survey && study.served.length > 0) {
    const { min, max } = study.config.served_survey.satisfaction;
    await writeRows(
      session,
      rel("site_served"),
      {
        site_id: "varchar",
        period: "varchar",
        person_id: "varchar",
        stratum: "varchar",
        satisfaction_0_100: "double",
      },
      study.served.map((s) => ({
        site_id: s.site_id,
        period: s.period,
        person_id: s.person_id,
        stratum: `${s.site_id}/${s.period}`,
        satisfaction_0_100: s.satisfaction === null ? null : ((s.satisfaction - min) / (max - min)) * 100,
      })),
    );
    const design = await surveyDesign(session, { source: rel("site_served"), ids: [], strata: "stratum" });
    for (const e of await surveyMean(design, "satisfaction_0_100", {
      by: ["site_id", "period"],
      naRm: true,
    })) {
      survey.set(`${e.by?.site_id}/${e.by?.period}`, { estimate: e.estimate, se: e.se, n: e.n });
    }
  }

  const scores: Record<string, unknown>[] = [];
  const haveRows: Record<string, unknown>[] = [];
  const effects: Record<string, unknown>[] = [];
  const reliability: Record<string, unknown>[] = [];
  const history = new Map<string, PeriodFigures[]>();
  for (const period of study.periods) {
    const rows = ratings.filter((r) => r.period === period);
    const scoring = versionFor(study.config.scoring, period);
    const rules = versionFor(study.config.exit_rules, period);
    const siteRatings: SiteRating[] = rows.map((r) => ({
      site: r.site_id,
      assessor: r.assessor_id,
      group: r.work_group,
      total: r.total_0_100,
    }));
    const periodSurvey = new Map(
      [...new Set(rows.map((r) => r.site_id))]
        .filter((s) => survey.has(`${s}/${period}`))
        .map((s) => [s, survey.get(`${s}/${period}`) as { estimate: number; se: number }]),
    );
    const fit = assessSites(siteRatings, periodSurvey, scoring.combined, {
      level: rules.confidence,
      replicates: study.config.reporting.icc_replicates,
      seed: study.config.reporting.seed,
    });
    reliability.push({
      period,
      n_ratings: rows.length,
      n_sites: fit.sites.length,
      n_assessors: new Set(rows.map((r) => r.assessor_id)).size,
      site_variance: fit.reliability.subjectVariance,
      assessor_variance: fit.reliability.raterVariance,
      residual_variance: fit.reliability.residualVariance,
      icc: fit.reliability.icc,
      icc_ci_low: fit.reliability.ciLow,
      icc_ci_high: fit.reliability.ciHigh,
      icc_ci_method: fit.reliability.ciMethod,
      is_rater_identified: fit.identified,
    });
    for (const [kind, list] of [
      ["assessor", fit.assessors],
      ["work_group", fit.groups],
    ] as const) {
      for (const e of list) {
        effects.push({
          period,
          rater_kind: kind,
          rater_id: e.id,
          effect: e.effect,
          se: e.se,
          ci_low: e.ciLow,
          ci_high: e.ciHigh,
          n_ratings: e.nRatings,
        });
      }
    }
    for (const site of study.sites) {
      const s = fit.sites.find((x) => x.site === site.site_id);
      if (!s) {
        if (site.exited_on && site.exited_on <= periodEnd(period)) {
          scores.push({
            site_id: site.site_id,
            period,
            status: "exited",
            verdicts_json: "[]",
            rules_version: rules.version,
            scoring_version: scoring.version,
          });
        }
        continue;
      }
      const own = rows.filter((r) => r.site_id === site.site_id);
      const first = own[0] as (typeof own)[number];
      const now: PeriodFigures = {
        period,
        ciLow: s.ciLow,
        ciHigh: s.ciHigh,
        combined: s.combined,
        monthsBelowNewsMinimum: first.news_months_below,
      };
      const past = history.get(site.site_id) ?? [];
      const { status, verdicts } = siteStatus(rules, now, past);
      const previous = scores.findLast(
        (x) => x.site_id === site.site_id && typeof x.combined_0_100 === "number",
      );
      const change = previous ? s.combined - (previous.combined_0_100 as number) : null;
      const changeSe = previous ? Math.sqrt(s.combinedSe ** 2 + (previous.combined_se as number) ** 2) : null;
      const served = survey.get(`${site.site_id}/${period}`);
      scores.push({
        site_id: site.site_id,
        period,
        scoring_version: scoring.version,
        rules_version: rules.version,
        n_ratings: s.nRatings,
        assessment_0_100: s.assessment,
        assessment_se: s.assessmentSe,
        satisfaction_0_100: s.satisfaction,
        satisfaction_se: s.satisfactionSe,
        n_served: served?.n ?? 0,
        combined_0_100: s.combined,
        combined_se: s.combinedSe,
        ci_low: s.ciLow,
        ci_high: s.ciHigh,
        change,
        change_se: changeSe,
        is_change_significant:
          change !== null && changeSe !== null && Math.abs(change / changeSe) > 1.959963984540054,
        news_total: first.news_total,
        news_months_below: first.news_months_below,
        projects_planned: Math.round(own.reduce((t, r) => t + r.projects_planned, 0) / own.length),
        projects_done: Math.round(own.reduce((t, r) => t + r.projects_done, 0) / own.length),
        status,
        verdicts_json: JSON.stringify(verdicts),
      });
      past.push(now);
      history.set(site.site_id, past);
      for (const h of haves) {
        const values = own.map((r) => (r as unknown as Record<string, number>)[`have_${h.id}`] as number);
        haveRows.push({
          site_id: site.site_id,
          period,
          have_id: h.id,
          mean_0_100: (100 * values.reduce((t, x) => t + x, 0)) / values.length / h.max,
          min_0_100: (100 * Math.min(...values)) / h.max,
          max_0_100: (100 * Math.max(...values)) / h.max,
        });
      }
    }
  }
  await writeRows(
    session,
    rel("site_scores"),
    {
      site_id: "varchar",
      period: "varchar",
      scoring_version: "varchar",
      rules_version: "varchar",
      n_ratings: "integer",
      assessment_0_100: "double",
      assessment_se: "double",
      satisfaction_0_100: "double",
      satisfaction_se: "double",
      n_served: "integer",
      combined_0_100: "double",
      combined_se: "double",
      ci_low: "double",
      ci_high: "double",
      change: "double",
      change_se: "double",
      is_change_significant: "boolean",
      news_total: "integer",
      news_months_below: "integer",
      projects_planned: "integer",
      projects_done: "integer",
      status: "varchar",
      verdicts_json: "varchar",
    },
    scores,
  );
  await writeRows(
    session,
    rel("site_have_scores"),
    {
      site_id: "varchar",
      period: "varchar",
      have_id: "varchar",
      mean_0_100: "double",
      min_0_100: "double",
      max_0_100: "double",
    },
    haveRows,
  );
  await writeRows(
    session,
    rel("site_rater_effects"),
    {
      period: "varchar",
      rater_kind: "varchar",
      rater_id: "varchar",
      effect: "double",
      se: "double",
      ci_low: "double",
      ci_high: "double",
      n_ratings: "integer",
    },
    effects,
  );
  await writeRows(
    session,
    rel("site_reliability"),
    {
      period: "varchar",
      n_ratings: "integer",
      n_sites: "integer",
      n_assessors: "integer",
      site_variance: "double",
      assessor_variance: "double",
      residual_variance: "double",
      icc: "double",
      icc_ci_low: "double",
      icc_ci_high: "double",
      icc_ci_method: "varchar",
      is_rater_identified: "boolean",
    },
    reliability,
  );
  // Which site studies the database holds, with the config the pages read (names, rules).
  await session.run(
    "create table if not exists site_studies (study_id varchar primary key, title_zh varchar, title_en varchar, config_json varchar, built_at timestamptz)",
  );
  await session.run("alter table site_studies add column if not exists study_dir varchar");
  await session.run("delete from site_studies where study_id = $1", [id]);
  // the folder, for uploads through the server (POST /api/v1/sites/uploads)
  await session.run(
    `insert into site_studies (study_id, title_zh, title_en, config_json, built_at, study_dir)
     values ($1, $2, $3, $4, now(), $5)`,
    [id, study.config.title.zh, study.config.title.en, JSON.stringify(study.config), resolve(study.dir)],
  );
  const dup = await session.query(
    `select site_id, period from ${quoteIdent(rel("site_scores"))} group by all having count(*) > 1 limit 1`,
  );
  if (dup.length) throw new Error(`site_scores: site ${JSON.stringify(dup[0])} twice in one half-year`);
  return { periods: study.periods, sites: study.sites.length };
}
