import type { ModelContext } from "../runner/loadModels.ts";
import { ESTIMATE_INPUTS, estimateIndexSets } from "./indexEstimateSets.ts";

export const dependsOn = [...ESTIMATE_INPUTS];

/**
 * The index figures of the district, every township and villages with enough respondents (no
 * demographic groups): index_estimates' rows of those units, a model of their own so that the
 * small-area models, which need them, start while the groups' figures are still being made.
 * See `estimateIndexSets`.
 */
export function build(ctx: ModelContext): Promise<void> {
  return estimateIndexSets(ctx, "units", "int_unit_estimates_inputs");
}
