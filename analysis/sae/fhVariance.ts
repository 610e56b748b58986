import type { Matrix } from "ml-matrix";
import { brentRoot } from "./brentRoot.ts";
import { glsPieces } from "./glsPieces.ts";
import type { FhMethod, FhOptions } from "./types.ts";

export interface VarianceFit {
  sigma2u: number;
  iterations: number;
  converged: boolean;
}

/**
 * The variance of the area effect, σ²ᵤ, of a Fay–Herriot model, maximising the criterion R emdi
 * maximises for each `method` (emdi 2.2.2 `R/estim_sigmau2.R`):
 * - `ml`: the profile likelihood; `reml`: the residual likelihood;
 * - `ampl` / `amrl`: those plus log σ²ᵤ (adjusted likelihood of Li and Lahiri 2010), so σ̂²ᵤ > 0;
 * - `ampl_yl` / `amrl_yl`: those plus (1/m) log atan(Σ γᵢ) (Yoshimori and Lahiri 2014).
 *
 * emdi maximises with `optimize()` (tolerance about 1e-4); here the default finds the root of the
 * analytic score to machine precision, within `interval` (default [0, ∞); at a bound when the
 * score does not change sign inside it). `convergence: "sae"` reproduces R sae's Fisher scoring
 * and stop rule instead (REML and ML only), which is what emdi's stored test numbers follow.
 *
 * @example fhVariance(y, psi, X, { method: "reml" }).sigma2u // 0.058621117506664 on the milk-15 case
 */
export function fhVariance(
  y: ArrayLike<number>,
  d: ArrayLike<number>,
  x: Matrix,
  options: FhOptions = {},
): VarianceFit {
  const method = options.method ?? "reml";
  if (options.convergence === "sae")
    return saeFisherScoring(y, d, x, method, options.tol ?? 1e-4, options.maxit ?? 100);
  const [lo, hiOption] = options.interval ?? [0, Number.POSITIVE_INFINITY];
  if (!(lo >= 0) || !(hiOption > lo))
    throw new Error(`fhVariance: interval [${lo}, ${hiOption}] is not a range within [0, ∞)`);
  const score = (a: number): number => fhScore(a, y, d, x, method);
  const m = y.length;
  const adjusted = method !== "reml" && method !== "ml";
  if (!adjusted && score(lo) <= 0) return { sigma2u: lo, iterations: 1, converged: true };
  // A point where the score is negative: start at the scale of the data and double.
  let meanY = 0;
  for (let i = 0; i < m; i++) meanY += y[i]!;
  meanY /= m;
  let varY = 0;
  for (let i = 0; i < m; i++) varY += (y[i]! - meanY) ** 2;
  varY /= Math.max(m - 1, 1);
  let hi = Math.max(varY, median(d), 1e-8);
  if (Number.isFinite(hiOption)) hi = Math.min(hi, hiOption);
  let iterations = 0;
  while (score(hi) > 0) {
    iterations++;
    if (hi >= hiOption) return { sigma2u: hiOption, iterations, converged: true };
    hi = Math.min(hi * 2, hiOption);
    if (iterations > 2000) throw new Error("fhVariance: the likelihood keeps increasing in σ²ᵤ");
  }
  // A point where the score is positive (the adjusted scores go to +∞ as σ²ᵤ → 0).
  let low = lo;
  if (adjusted && lo === 0) {
    low = hi / 2;
    while (score(low) <= 0) {
      iterations++;
      low /= 2;
      if (low < 1e-300) return { sigma2u: 0, iterations, converged: false };
    }
  }
  const sigma2u = brentRoot(score, low, hi, 0, 500);
  return { sigma2u, iterations: iterations + 1, converged: true };
}

/** Derivative in σ²ᵤ of the criterion `method` maximises. */
export function fhScore(
  a: number,
  y: ArrayLike<number>,
  d: ArrayLike<number>,
  x: Matrix,
  method: FhMethod,
): number {
  const g = glsPieces(a, y, d, x);
  const m = y.length;
  let sumW = 0;
  let yPPy = 0;
  for (let i = 0; i < m; i++) {
    sumW += g.w[i]!;
    yPPy += (g.w[i]! * g.r[i]!) ** 2;
  }
  const residual = method === "reml" || method === "amrl" || method === "amrl_yl";
  const trP = residual ? sumW - g.trQXW2X : sumW;
  let s = -0.5 * trP + 0.5 * yPPy;
  if (method === "amrl" || method === "ampl") s += 1 / a;
  if (method === "amrl_yl" || method === "ampl_yl") {
    let sumGamma = 0;
    let dSumGamma = 0;
    for (let i = 0; i < m; i++) {
      sumGamma += a / (a + d[i]!);
      dSumGamma += d[i]! / (a + d[i]!) ** 2;
    }
    s += dSumGamma / ((1 + sumGamma * sumGamma) * Math.atan(sumGamma)) / m;
  }
  return s;
}

/** The criterion itself (log scale, with its constants), for reporting and checks. */
export function fhCriterion(
  a: number,
  y: ArrayLike<number>,
  d: ArrayLike<number>,
  x: Matrix,
  method: FhMethod,
): number {
  const g = glsPieces(a, y, d, x);
  const m = y.length;
  let value = -0.5 * m * Math.log(2 * Math.PI);
  for (let i = 0; i < m; i++) value += -0.5 * Math.log(a + d[i]!) - 0.5 * g.w[i]! * g.r[i]! ** 2;
  if (method === "reml" || method === "amrl" || method === "amrl_yl") value -= 0.5 * g.logDetXtWX;
  if (method === "amrl" || method === "ampl") value += Math.log(a);
  if (method === "amrl_yl" || method === "ampl_yl") {
    let sumGamma = 0;
    for (let i = 0; i < m; i++) sumGamma += a / (a + d[i]!);
    value += Math.log(Math.atan(sumGamma)) / m;
  }
  return value;
}

function saeFisherScoring(
  y: ArrayLike<number>,
  d: ArrayLike<number>,
  x: Matrix,
  method: FhMethod,
  tol: number,
  maxit: number,
): VarianceFit {
  if (method !== "reml" && method !== "ml") {
    throw new Error(`fhVariance: the sae stop rule applies to reml and ml only, not ${method}`);
  }
  let a = median(d);
  let k = 0;
  let step = Number.POSITIVE_INFINITY;
  while (true) {
    k++;
    const g = glsPieces(a, y, d, x);
    let sumW = 0;
    let sumW2 = 0;
    let yPPy = 0;
    for (let i = 0; i < y.length; i++) {
      sumW += g.w[i]!;
      sumW2 += g.w[i]! ** 2;
      yPPy += (g.w[i]! * g.r[i]!) ** 2;
    }
    let s: number;
    let info: number;
    if (method === "ml") {
      s = -0.5 * sumW + 0.5 * yPPy;
      info = 0.5 * sumW2;
    } else {
      s = -0.5 * (sumW - g.trQXW2X) + 0.5 * yPPy;
      info = 0.5 * (sumW2 - 2 * g.trQXW3X + g.trQXW2XSq);
    }
    const next = a + s / info;
    step = Math.abs((next - a) / a);
    a = next;
    if (step < tol || k >= maxit) break;
  }
  return { sigma2u: Math.max(a, 0), iterations: k, converged: step < tol };
}

export function median(values: ArrayLike<number>): number {
  const sorted = Array.from(values).sort((p, q) => p - q);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}
