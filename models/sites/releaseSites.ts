import type { Database } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import { freezeRelease, type ReleaseFile, type ReleaseRecord } from "../releases/releases.ts";
import { siteRelation } from "./buildSiteMarts.ts";

/** The columns of a demonstration-sites release's rows, in order. */
export const SITE_RELEASE_COLUMNS = [
  "site_id",
  "name_zh",
  "name_en",
  "level",
  "site_type",
  "work_group",
  "assessment_0_100",
  "assessment_se",
  "satisfaction_0_100",
  "satisfaction_se",
  "combined_0_100",
  "combined_se",
  "ci_low",
  "ci_high",
  "change",
  "is_change_significant",
  "news_total",
  "news_months_below",
  "status",
  "verdicts_json",
  "scoring_version",
  "rules_version",
] as const;

/**
 * Freeze one half-year's site scores as a release, as the survey's waves are: a canonical JSON
 * file beside the database with its sha256 in `releases` (the half-year in `wave_id`), read
 * and checked by the same code. A later release of the same half-year supersedes it.
 */
export async function createSiteRelease(
  db: Database,
  studyId: string,
  period: string,
  user: string,
): Promise<ReleaseRecord> {
  const scores = quoteIdent(siteRelation("site_scores", studyId));
  const register = quoteIdent(siteRelation("site_register", studyId));
  const [config] = await db
    .query<{ config_json: string }>("select config_json from site_studies where study_id = $1", [studyId])
    .catch(() => []);
  if (!config)
    throw new Error(
      `no demonstration-site study ${studyId}: load it first (barometer demo, or barometer sites build)`,
    );
  const rows = await db.query<Record<string, unknown>>(
    `select r.site_id, r.name_zh, r.name_en, r.level, r.site_type, r.work_group, s.* exclude (site_id, period)
     from ${scores} s join ${register} r using (site_id) where s.period = $1 order by r.site_id`,
    [period],
  );
  if (rows.length === 0) throw new Error(`study ${studyId} has no site scores for half-year ${period}`);
  const previous = await db.query<{ release_id: string }>(
    "select release_id from releases where study_id = $1 and wave_id = $2 order by created_at desc limit 1",
    [studyId, period],
  );
  const [{ n }] = (await db.query<{ n: number }>(
    "select count(*)::int as n from releases where study_id = $1 and wave_id = $2",
    [studyId, period],
  )) as [{ n: number }];
  const rulesVersion = String(rows[0]?.rules_version ?? "");
  const file: ReleaseFile = {
    release_id: `${studyId}-${period}-r${n + 1}`,
    study_id: studyId,
    wave_id: period,
    created_at: new Date().toISOString(),
    methodology_version: `sites-${rows[0]?.scoring_version ?? ""}-${rulesVersion}`,
    supersedes_release_id: previous[0]?.release_id ?? null,
    columns: [...SITE_RELEASE_COLUMNS],
    rows: rows.map((r) => SITE_RELEASE_COLUMNS.map((c) => r[c] ?? null)),
  };
  return freezeRelease(db, file, user);
}
