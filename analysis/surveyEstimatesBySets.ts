import { timeSlicer } from "../db/timeSlicer.ts";
import { estimateBySets } from "./estimate.ts";
import { type BatchResult, batchResult, type EstimateRequest, requestItems } from "./surveyEstimates.ts";
import type { EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * `surveyEstimates` over several domain sets at once: one `BatchResult` per entry of `bySets`,
 * the same figures as `surveyEstimates(design, requests, { ...options, by })` for each (R: one
 * `svyby` per set), up to the order of floating-point summation. On a Taylor design the rows
 * are read once, summed to the grain of all the sets' columns together (times stratum, unit
 * and calibration cell), and every set's domains are formed from those sums; a replicate
 * design is estimated set by set. `options.by` is ignored.
 *
 * Rows with a missing value in a set's domain column belong to no domain of that set (as with
 * `surveyEstimates`), and still count in the sets that do not use that column.
 *
 * @example
 * const [byWave, byWaveSex] = await surveyEstimatesBySets(design, requests, [
 *   ["wave_id"],
 *   ["wave_id", "sex"],
 * ], { naRm: true });
 */
export async function surveyEstimatesBySets(
  design: SurveyDesign,
  requests: EstimateRequest[],
  bySets: string[][],
  options: Omit<EstimateOptions, "by"> = {},
): Promise<BatchResult[]> {
  const sets = await estimateBySets(design, requestItems(requests), bySets, options);
  const out: BatchResult[] = [];
  const slice = timeSlicer();
  for (const domains of sets) {
    await slice();
    out.push(batchResult(requests, domains, options));
  }
  return out;
}
