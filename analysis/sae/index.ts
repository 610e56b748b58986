/** Small-area estimation: area-level Fay–Herriot models (one and two levels), MSEs, transformations, benchmarking. */

export { arcsinBackTransform, arcsinMean } from "./arcsinBackTransform.ts";
export { arcsinSamplingMoments } from "./arcsinSampling.ts";
export { type BenchmarkType, benchmark } from "./benchmark.ts";
export { fayHerriot } from "./fayHerriot.ts";
export {
  type FhBacktransformation,
  type FhBenchmarkOptions,
  type FhEstimates,
  type FhEstimatesOptions,
  type FhTransformation,
  fhEstimates,
} from "./fhEstimates.ts";
export { type FhMse, type FhMseMethod, fhMse } from "./fhMse.ts";
export { fhCriterion, fhScore, fhVariance } from "./fhVariance.ts";
export { seededNormal } from "./seededNormal.ts";
export { sludMaitiMse } from "./sludMaitiMse.ts";
export {
  type AreaFigures,
  type TwoLevelEstimates,
  type TwoLevelInput,
  type TwoLevelOptions,
  twoLevelEstimates,
} from "./twoLevelEstimates.ts";
export { type TwoLevelData, type TwoLevelFit, type TwoLevelParameters, twoLevelFh } from "./twoLevelFh.ts";
export type { FhCoefficient, FhConvergence, FhData, FhFit, FhMethod, FhOptions } from "./types.ts";
export { FH_METHODS } from "./types.ts";
