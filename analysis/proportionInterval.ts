import { qbeta } from "./distributions/qbeta.ts";
import { qt } from "./distributions/qt.ts";

/**
 * The interval of a proportion p with design variance v, as R's `svyciprop` methods that need
 * only svymean's p and variance:
 * - `"xlogit"`: the Wald interval of logit(p) with the delta-method SE √v/(p(1−p)),
 *   t on `df`, back-transformed (R: `svycontrast(m, quote(log(`1`/(1-`1`))))` then `expit`);
 *   on a Taylor design it equals `"logit"`, on a replicate design it differs (no refit per
 *   replicate);
 * - `"beta"`: Korn & Graubard (1998, "Confidence intervals for proportions with small expected
 *   number of positive counts estimated from survey data", Survey Methodology 24) — the
 *   Clopper–Pearson interval at the effective sample size n* = p(1−p)/v · (t_{α/2, n−1}/
 *   t_{α/2, df})², `qbeta(α/2, n*p, n*(1−p)+1)` to `qbeta(1−α/2, n*p+1, n*(1−p))`.
 *   `rows` is R's `nrow(design)`: here the rows of the domain with the variable present (R
 *   counts all rows of a calibrated design's subset, which keeps zero-weight rows).
 * At p = 0 or 1 with zero variance both give [p, p] ("beta": R's qbeta does the same).
 *
 * @example
 * proportionInterval("beta", 0.2, 0.0016, 14, 0.95, 183) // [lower, upper]
 */
export function proportionInterval(
  method: "beta" | "xlogit",
  p: number,
  variance: number,
  df: number,
  level: number,
  rows: number,
): [number, number] {
  const alpha = 1 - level;
  if (method === "xlogit") {
    if (p <= 0 || p >= 1) return [p, p];
    const q = qt(1 - alpha / 2, df);
    const l = Math.log(p / (1 - p));
    const s = Math.sqrt(variance) / (p * (1 - p));
    return [1 / (1 + Math.exp(-(l - q * s))), 1 / (1 + Math.exp(-(l + q * s)))];
  }
  if (!(variance > 0)) return [p, p];
  const ratio = qt(alpha / 2, rows - 1) / qt(alpha / 2, df);
  const nEff = ((p * (1 - p)) / variance) * ratio * ratio;
  return [qbeta(alpha / 2, nEff * p, nEff * (1 - p) + 1), qbeta(1 - alpha / 2, nEff * p + 1, nEff * (1 - p))];
}
