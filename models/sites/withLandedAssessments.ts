import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { AssessmentRecord, SiteStudy } from "../../study/sites/index.ts";

/** The table of landed assessment uploads of a site study (written by ingestSiteAssessments). */
export const landedAssessmentsTable = (studyId: string) => `site_assessment_uploads__${studyId}`;

/**
 * The study with the landed uploads added to the folder's assessments: an uploaded row
 * replaces the folder's row of the same site, half-year and assessor (the form, as assessors
 * corrected it, wins). Uploads were checked against the form when they landed; their answers
 * are kept as text (`answers_json`) and read here into numbers.
 */
export async function withLandedAssessments(session: Session, study: SiteStudy): Promise<SiteStudy> {
  const table = landedAssessmentsTable(study.config.id);
  const found = await session.query("select 1 from duckdb_tables() where table_name = $1", [table]);
  if (found.length === 0) return study;
  const rows = await session.query<{
    site_id: string;
    period: string;
    assessor_id: string;
    assessed_on: string;
    answers_json: string;
  }>(
    `select site_id, period, assessor_id, assessed_on, answers_json
     from ${quoteIdent(table)}
     order by site_id, period, assessor_id`,
  );
  if (rows.length === 0) return study;
  const { config } = study;
  const items = config.haves.flatMap((h) => h.items);
  const landed: AssessmentRecord[] = rows.map((r) => {
    const answers = JSON.parse(r.answers_json) as Record<string, string | null>;
    const num = (column: string) => Number(answers[column]);
    return {
      site_id: r.site_id,
      period: r.period,
      assessor_id: r.assessor_id,
      assessed_on: r.assessed_on,
      items: Object.fromEntries(items.map((it) => [it, num(it)])),
      projects_planned: num(config.assessments.projects.planned),
      projects_done: num(config.assessments.projects.done),
      news: config.assessments.news.map(num),
    };
  });
  const key = (a: AssessmentRecord) => `${a.site_id}\u0000${a.period}\u0000${a.assessor_id}`;
  const replaced = new Set(landed.map(key));
  const assessments = [...study.assessments.filter((a) => !replaced.has(key(a))), ...landed];
  const periods = [...new Set(assessments.map((a) => a.period))].sort();
  return { ...study, assessments, periods };
}
