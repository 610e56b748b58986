import type { StudyFile } from "./schema.ts";

/**
 * The columns the models add beside a study's answers in the wide relations (the raw table,
 * stg_responses, int_responses_base_weighted, int_scores_wide, int_responses_calibrated).
 * An item of the same name would meet one of them in a `select r.*, ... as <name>` and DuckDB
 * would rename one of the two, so a study may not name an item like this; loadStudy refuses
 * it. `test/models/modelColumns.test.ts` holds this list to what the models actually add.
 */
export const MODEL_COLUMNS = [
  // raw table (ingest/registerStudy.ts)
  "upload_id",
  "wave_id",
  "source_row",
  "respondent_id",
  // sources and staging (models/runModels.ts, stg_responses)
  "stratum_code",
  "psu_code",
  "delivered_weight",
  "response_id",
  // design and weights (int_responses_base_weighted, int_responses_calibrated)
  "design_stratum",
  "design_psu",
  "psus_in_frame",
  "psu_inclusion_prob",
  "ssu_sampling_fraction",
  "base_weight",
  "weight",
] as const;

/** Prefix of the working columns the statistics engine and the score views add. */
export const ENGINE_PREFIX = "__bm_";

/**
 * The columns the study's own design names for the models (the delivered weight, the stratum
 * and the PSU): they may carry a model column's name, since the source reads them into the
 * model's column and drops the original (see sourceSql in models/runModels.ts).
 */
export function designSourceColumns(def: Pick<StudyFile, "design" | "frame">): string[] {
  const columns = [def.design.strata ?? def.frame.stratum, def.design.ids?.[0] ?? def.frame.psu];
  if (def.design.base_weights.method === "column") columns.push(def.design.base_weights.column);
  return columns;
}

/**
 * Why an item name would clash with the models' columns, or null: a model column (unless it
 * is the design column the study names for that purpose, or the respondent id), the
 * engine's prefix, or the start of a score's column (`<indicator id>__`).
 */
export function modelColumnClash(
  def: Pick<StudyFile, "design" | "frame" | "respondent_id">,
  name: string,
  indicatorIds: readonly string[],
): string | null {
  if (name === def.respondent_id || designSourceColumns(def).includes(name)) return null;
  if ((MODEL_COLUMNS as readonly string[]).includes(name)) return "a column the models add";
  if (name.startsWith(ENGINE_PREFIX)) return `the prefix ${ENGINE_PREFIX} of the statistics engine's columns`;
  const id = indicatorIds.find((i) => name.startsWith(`${i}__`));
  if (id !== undefined) return `the score columns of indicator ${id} (${id}__...)`;
  return null;
}
