import type { TaylorDesign } from "../types.ts";
import type { WeightingDiagnostics } from "./weightingDiagnostics.ts";

/** One population count per cell of one variable or a cross of variables (study/loadStudy's shape). */
export interface MarginCell {
  readonly levels: readonly string[];
  readonly count: number;
}
export interface Margin {
  readonly variables: readonly string[];
  readonly cells: readonly MarginCell[];
}

export interface CalibrationDiagnostics {
  method: "poststratify" | "rake" | "linear" | "trim";
  /** raking passes over all margins (1 for post-stratification and linear calibration) */
  iterations: number;
  /** largest relative error |Σw − target| / target over all margin cells after calibration */
  worstError: number;
  weights: WeightingDiagnostics;
}

export type CalibratedDesign = TaylorDesign & { readonly diagnostics: CalibrationDiagnostics };
