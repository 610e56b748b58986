import type { Session } from "../../db/Database.ts";

/**
 * What notebooks read, per study (`<name>__<study>`): the marts, the seeds (labels, reporting
 * rules), staging (answers, responses without personal data) and the calibrated design. Raw
 * upload tables, quarantine and users never go into an analytics snapshot.
 */
export const NOTEBOOK_RELATIONS =
  /^(index_estimates|index_scores|published_scores|theme_scores|theme_examples|weighting_diagnostics|calibration_margins|upload_reports|seed_[a-z_]+|stg_responses|stg_answers|int_responses_calibrated|int_scores_wide)__[a-z0-9_]+$/;

/**
 * The relations of `db` a snapshot for notebooks must hold (pass them to writeSnapshot's
 * `tables`); of the attached database `catalog` when given.
 */
export async function snapshotTables(db: Session, catalog?: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = 'main' and table_catalog = coalesce($catalog, current_database()) order by 1",
    { catalog: catalog ?? null },
  );
  return rows.map((r) => r.name).filter((name) => NOTEBOOK_RELATIONS.test(name));
}
