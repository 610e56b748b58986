import { Matrix } from "ml-matrix";
import { pnorm } from "../distributions/pnorm.ts";
import { fhVariance } from "./fhVariance.ts";
import { glsPieces } from "./glsPieces.ts";
import type { FhData, FhFit, FhOptions } from "./types.ts";

/**
 * The Fay–Herriot area-level model (Fay and Herriot 1979): direct estimate yᵢ = xᵢ'β + uᵢ + eᵢ,
 * uᵢ ~ N(0, σ²ᵤ), eᵢ ~ N(0, ψᵢ) with ψᵢ known. Returns σ̂²ᵤ (see `fhVariance` for the methods),
 * β̂ with standard errors, the EBLUP γᵢyᵢ + (1 − γᵢ)xᵢ'β̂ for sampled areas and the synthetic
 * xᵢ'β̂ for the others, the shrinkage factors and residuals, as R emdi's `fh()` reports them
 * (`eblup_FH`). The MSE is `fhMse(fit)`.
 *
 * @example
 * const fit = fayHerriot({ direct: y, vardir: psi, x: rows }, { method: "reml" });
 * fit.estimate[0]; fit.sigma2u; fit.coefficients[0].stdError
 */
export function fayHerriot(data: FhData, options: FhOptions = {}): FhFit {
  const method = options.method ?? "reml";
  const total = data.direct.length;
  if (data.vardir.length !== total || data.x.length !== total) {
    throw new Error(
      `fayHerriot: direct (${total}), vardir (${data.vardir.length}) and x (${data.x.length}) differ in length`,
    );
  }
  const sampled = data.direct.map((y) => y !== null && y !== undefined);
  const rows: number[] = [];
  for (let i = 0; i < total; i++) {
    if (!sampled[i]) continue;
    const y = data.direct[i]!;
    const v = data.vardir[i];
    if (!Number.isFinite(y))
      throw new Error(`fayHerriot: area ${i + 1}: the direct estimate ${y} is not a number`);
    if (v === null || v === undefined || !(v > 0) || !Number.isFinite(v)) {
      throw new Error(`fayHerriot: area ${i + 1}: the sampling variance ${v} is not a positive number`);
    }
    rows.push(i);
  }
  const p = data.x[0]?.length ?? 0;
  if (rows.length <= p) throw new Error(`fayHerriot: ${rows.length} sampled areas for ${p} covariates`);
  const y = Float64Array.from(rows, (i) => data.direct[i]!);
  const d = Float64Array.from(rows, (i) => data.vardir[i]!);
  const xs = new Matrix(rows.map((i) => [...data.x[i]!]));
  const variance = fhVariance(y, d, xs, options);
  const a = variance.sigma2u;
  const g = glsPieces(a, y, d, xs);
  const beta = g.beta;
  const xAll = data.x.map((row) => [...row]);
  const synthetic = xAll.map((row) => row.reduce((s, v, k) => s + v * beta[k]!, 0));
  const estimate = [...synthetic];
  const gamma: (number | null)[] = new Array(total).fill(null);
  const randomEffect = new Array<number>(total).fill(0);
  const residual: (number | null)[] = new Array(total).fill(null);
  const standardizedResidual: (number | null)[] = new Array(total).fill(null);
  let loglike = 0;
  rows.forEach((i, k) => {
    const gi = a / (a + d[k]!);
    gamma[i] = gi;
    randomEffect[i] = a * g.w[k]! * g.r[k]!;
    estimate[i] = synthetic[i]! + randomEffect[i]!;
    residual[i] = y[k]! - estimate[i]!;
    standardizedResidual[i] = residual[i]! / Math.sqrt(d[k]!);
    loglike += -0.5 * (Math.log(2 * Math.PI * (a + d[k]!)) + g.r[k]! ** 2 / (a + d[k]!));
  });
  const betaVcov = g.q.to2DArray();
  const coefficients = beta.map((estimate, k) => {
    const stdError = Math.sqrt(betaVcov[k]![k]!);
    const tValue = estimate / stdError;
    return { estimate, stdError, tValue, pValue: 2 * pnorm(Math.abs(tValue), false) };
  });
  const m = rows.length;
  return {
    method,
    sigma2u: a,
    iterations: variance.iterations,
    converged: variance.converged,
    coefficients,
    beta,
    betaVcov,
    sampled,
    estimate,
    synthetic,
    gamma,
    randomEffect,
    residual,
    standardizedResidual,
    loglike,
    aic: -2 * loglike + 2 * (p + 1),
    bic: -2 * loglike + (p + 1) * Math.log(m),
    direct: data.direct.map((v) => (v === undefined ? null : v)),
    vardir: data.vardir.map((v, i) => (sampled[i] ? (v as number) : null)),
    x: xAll,
  };
}
