/** Types of the small-area estimation engine (area-level Fay–Herriot models). */

/** How the variance of the area effect (σ²ᵤ) is estimated; the names are R emdi's `fh(method =)`. */
export type FhMethod = "reml" | "ml" | "amrl" | "amrl_yl" | "ampl" | "ampl_yl";

export const FH_METHODS: readonly FhMethod[] = ["reml", "ml", "amrl", "amrl_yl", "ampl", "ampl_yl"];

/**
 * How the maximiser of the (adjusted) likelihood is found.
 * - `exact` (default): the root of the analytic score, to machine precision (what the model defines).
 * - `sae`: R sae's Fisher scoring, started at median(vardir), stopped when the relative step is
 *   below `tol` (1e-4) or after `maxit` (100) steps, a negative result set to 0. REML and ML only.
 */
export type FhConvergence = "exact" | "sae";

export interface FhOptions {
  method?: FhMethod;
  convergence?: FhConvergence;
  /** Search interval for σ²ᵤ, as emdi's `interval` (default [0, ∞)). */
  interval?: readonly [number, number];
  /** Stop rule of the `sae` convergence (default 1e-4 and 100). */
  tol?: number;
  maxit?: number;
}

/** One area-level data set. Areas without a direct estimate (null) are out of sample. */
export interface FhData {
  /** Direct estimates; null for an area that was not sampled. */
  direct: readonly (number | null)[];
  /** Sampling variances of the direct estimates (null where direct is null). */
  vardir: readonly (number | null)[];
  /** Design matrix, one row per area (include the intercept column yourself). */
  x: readonly (readonly number[])[];
}

export interface FhCoefficient {
  estimate: number;
  stdError: number;
  tValue: number;
  pValue: number;
}

/** A fitted Fay–Herriot model on the model scale. Per-area arrays cover every area, in input order. */
export interface FhFit {
  method: FhMethod;
  /** Estimated variance of the area effect (σ²ᵤ, emdi's "variance", sae's "refvar"). */
  sigma2u: number;
  iterations: number;
  converged: boolean;
  coefficients: FhCoefficient[];
  beta: number[];
  /** (X'V⁻¹X)⁻¹ at σ̂²ᵤ, the covariance of β̂, row-major p × p. */
  betaVcov: number[][];
  /** Whether each area has a direct estimate. */
  sampled: boolean[];
  /** EBLUP for sampled areas, synthetic x'β̂ for the others. */
  estimate: number[];
  /** x'β̂ for every area. */
  synthetic: number[];
  /** Shrinkage factor γ = σ²ᵤ / (σ²ᵤ + ψ) (weight of the direct estimate); null out of sample. */
  gamma: (number | null)[];
  /** Predicted area effect γ (y − x'β̂); 0 out of sample. */
  randomEffect: number[];
  /** Direct minus EBLUP, and that over √ψ (emdi's real_residuals, std_real_residuals); null out of sample. */
  residual: (number | null)[];
  standardizedResidual: (number | null)[];
  /** Gaussian log-likelihood at (β̂, σ̂²ᵤ), AIC and BIC with p + 1 parameters (as R sae). */
  loglike: number;
  aic: number;
  bic: number;
  /** The data on the model scale (after any transformation). */
  direct: (number | null)[];
  vardir: (number | null)[];
  x: number[][];
}
