import type { Database } from "../db/index.ts";
import type { Study } from "../study/index.ts";
import { allModels, type RunResult, relationName, runModels } from "./runModels.ts";
import type { Model } from "./runner/loadModels.ts";

/**
 * The models a 'direct' run leaves as they are: the small-area models (sae_estimates, which
 * writes sae_diagnostics too). Their bootstrap MSEs are most of a run's time.
 */
const MODEL_BASED = new Set(["sae_estimates"]);

export interface ModelSteps {
  /** Every model but the small-area ones: the direct figures, published beside the last model-based ones. */
  direct: Model[];
  /** The small-area models and every model built on them (published_scores, rank_intervals, ...). */
  modelBased: Model[];
}

/**
 * The two steps of a run after an upload, or null when one run is the right thing: a study
 * without small-area figures, or one whose small-area tables do not exist yet (the direct
 * step reads the last ones).
 */
export async function modelSteps(db: Database, study: Study): Promise<ModelSteps | null> {
  if (!study.small_area) return null;
  const needed = ["sae_estimates", "sae_diagnostics"].map((m) => relationName(m, study.id));
  const found = await db.query<{ n: number }>(
    "select count(*)::integer as n from duckdb_tables() where schema_name = 'main' and table_name in ($1, $2)",
    needed,
  );
  if ((found[0]?.n ?? 0) < needed.length) return null;
  const models = await allModels();
  const after = new Set(MODEL_BASED);
  // models come in dependency order: a model is model-based when it reads one
  for (const m of models) if (m.dependsOn.some((d) => after.has(d))) after.add(m.name);
  return {
    direct: models.filter((m) => !MODEL_BASED.has(m.name)),
    modelBased: models.filter((m) => after.has(m.name)),
  };
}

/**
 * The first step of a run in two: the direct figures (every model but the small-area ones,
 * which keep their last state until the second step). model_runs records it with scope
 * 'direct'; `completeModelBased` runs the second step.
 */
export function runDirectStep(db: Database, study: Study, steps: ModelSteps): Promise<RunResult> {
  return runModels(db, study, { models: steps.direct, scope: "direct" });
}

/** The second step: the small-area models and those built on them, holding what `first` saw. */
export function completeModelBased(
  db: Database,
  study: Study,
  steps: ModelSteps,
  first: RunResult,
): Promise<RunResult> {
  return runModels(db, study, { models: steps.modelBased, scope: "model_based", completes: first.runId });
}
