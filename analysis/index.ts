/** The survey statistics engine: designs, calibration, replicate weights and estimators. */

export { linearCalibration } from "./calibration/linearCalibration.ts";
export { postStratify } from "./calibration/postStratify.ts";
export { rake } from "./calibration/rake.ts";
export { trimWeights } from "./calibration/trimWeights.ts";
export type { CalibratedDesign, Margin, MarginCell } from "./calibration/types.ts";
export { type WeightingDiagnostics, weightingDiagnostics } from "./calibration/weightingDiagnostics.ts";
export { type Comparison, compareDomains, compareIndependentEstimates, compareWaves } from "./compare.ts";
export { designWithColumns } from "./designWithColumns.ts";
export { qnorm } from "./distributions/qnorm.ts";
export { qt } from "./distributions/qt.ts";
export { materializedDesign } from "./materializedDesign.ts";
export { proportionInterval } from "./proportionInterval.ts";
export { asReplicateDesign } from "./replicates/asReplicateDesign.ts";
export { replicateDesign } from "./replicates/replicateDesign.ts";
export {
  type CompositeFigure,
  type CompositePart,
  hasStageTwoVariance,
  type ReportingIntervalRule,
  reportingIntervals,
} from "./reportingIntervals.ts";
export { surveyByCovariance } from "./surveyByCovariance.ts";
export { type ChisqResult, surveyChisq } from "./surveyChisq.ts";
export { type Contrast, type ContrastResult, surveyContrast } from "./surveyContrast.ts";
export { surveyDesign } from "./surveyDesign.ts";
export { type BatchResult, type EstimateRequest, surveyEstimates } from "./surveyEstimates.ts";
export { surveyEstimatesBySets } from "./surveyEstimatesBySets.ts";
export { type GlmResult, type GlmTerm, surveyGlm } from "./surveyGlm.ts";
export { surveyMean } from "./surveyMean.ts";
export { surveyProportion } from "./surveyProportion.ts";
export { surveyQuantile } from "./surveyQuantile.ts";
export { surveyQuantileBy } from "./surveyQuantileBy.ts";
export { surveyRatio } from "./surveyRatio.ts";
export { surveyTotal } from "./surveyTotal.ts";
export { surveyTTest, type TTestResult } from "./surveyTTest.ts";
export type {
  DesignSpec,
  Estimate,
  EstimateOptions,
  LonelyPsu,
  ReplicateDesign,
  ReplicateType,
  SurveyDesign,
  TaylorDesign,
} from "./types.ts";
