import type { Database } from "../db/index.ts";
import type { Study } from "../study/index.ts";
import { allModels, type RunResult, relationName, runModels } from "./runModels.ts";
import type { Model } from "./runner/loadModels.ts";

/**
 * What a 'direct' run leaves for the second step, with every model built on them: the
 * small-area models (sae_estimates, which writes sae_diagnostics too: their bootstrap MSEs),
 * the rank confidence sets and tier probabilities (rank_intervals: a bootstrap per ranking),
 * the open answers' masking, coding and theme figures (stg_open_answers on) and the weighting
 * diagnostics. Most of a run's time is theirs.
 */
const LATER = ["sae_estimates", "rank_intervals", "stg_open_answers", "weighting_diagnostics"];
/** Built on a deferred model but holding the direct figures: in both steps (the first reads the last small-area figures). */
const BOTH = new Set(["published_scores"]);

export interface ModelSteps {
  /** The direct figures: every model but the deferred ones, beside their last state. */
  direct: Model[];
  /** The deferred models and every model built on them (published_scores again). */
  later: Model[];
}

/**
 * The two steps of a run after an upload, or null when one run is the right thing: the first
 * run of a study, or any run whose deferred tables are not all there (the first step reads
 * their last state).
 */
export async function modelSteps(db: Database, study: Study): Promise<ModelSteps | null> {
  const models = await allModels();
  const later = new Set(LATER);
  // models come in dependency order: a model is deferred when it reads a deferred one
  for (const m of models) if (m.dependsOn.some((d) => later.has(d))) later.add(m.name);
  // a model that hands objects to those built on it (the calibrated design) is built again with them
  const byName = new Map(models.map((m) => [m.name, m]));
  for (const m of models)
    if (later.has(m.name)) for (const d of m.dependsOn) if (byName.get(d)?.sharesState) later.add(d);
  const direct = models.filter(
    (m) => !later.has(m.name) || BOTH.has(m.name) || (m.sharesState && !LATER.includes(m.name)),
  );
  const built = new Set(direct.map((m) => m.name));
  // what the first step reads without building it: the deferred models' last tables
  const needed = new Set(["sae_diagnostics"]);
  for (const m of direct) for (const d of m.dependsOn) if (!built.has(d)) needed.add(d);
  const names = [...needed].map((m) => relationName(m, study.id));
  const found = await db.query<{ n: number }>(
    `select count(*)::integer as n from duckdb_tables() where schema_name = 'main' and table_name in (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
    names,
  );
  if ((found[0]?.n ?? 0) < names.length) return null;
  return { direct, later: models.filter((m) => later.has(m.name)) };
}

/**
 * The first step of a run in two: the direct figures (every model but the deferred ones,
 * which keep their last state until the second step). model_runs records it with scope
 * 'direct'; `runLaterStep` runs the second step.
 */
export function runDirectStep(db: Database, study: Study, steps: ModelSteps): Promise<RunResult> {
  return runModels(db, study, { models: steps.direct, scope: "direct" });
}

/** The second step: the deferred models and those built on them, holding what `first` saw. */
export function runLaterStep(
  db: Database,
  study: Study,
  steps: ModelSteps,
  first: RunResult,
): Promise<RunResult> {
  return runModels(db, study, { models: steps.later, scope: "later", completes: first.runId });
}
