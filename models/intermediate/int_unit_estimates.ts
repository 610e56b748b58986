import { estimateIndexSets } from "../marts/indexEstimateSets.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export const dependsOn = [
  "int_responses_base_weighted",
  "int_responses_calibrated",
  "int_index_scores",
  "seed_breakdowns",
  "seed_composite_weights",
  "seed_indicators",
  "seed_organizations",
  "seed_units",
];

/**
 * The index figures of the district, every township and villages with enough respondents (no
 * demographic groups): index_estimates' rows of those units, a model of their own so that the
 * small-area models, which need them, start while the groups' figures are still being made.
 * See `estimateIndexSets`.
 */
export function build(ctx: ModelContext): Promise<void> {
  return estimateIndexSets(ctx, "units", "int_unit_estimates_inputs");
}
