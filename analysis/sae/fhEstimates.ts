import { arcsinBackTransform } from "./arcsinBackTransform.ts";
import { type BenchmarkType, benchmark } from "./benchmark.ts";
import { fayHerriot } from "./fayHerriot.ts";
import { fhMse } from "./fhMse.ts";
import { seededNormal } from "./seededNormal.ts";
import { sludMaitiMse } from "./sludMaitiMse.ts";
import type { FhData, FhFit, FhOptions } from "./types.ts";

export type FhTransformation = "no" | "log" | "arcsin";
/** emdi's names: `bc_crude` and `bc_sm` (Slud–Maiti) for log; `naive` and `bc` for arcsin. */
export type FhBacktransformation = "bc_crude" | "bc_sm" | "naive" | "bc";

export interface FhBenchmarkOptions {
  type: BenchmarkType;
  /** Population share of each area within its group. */
  share: readonly number[];
  /** Group of each area (default: one group). */
  group?: readonly number[];
  /** The figure each group must aggregate to. */
  target: readonly number[];
  /** Sampling variance of each target (default 0: treated as known), used by the bootstrap. */
  targetVariance?: readonly number[];
}

export interface FhEstimatesOptions extends FhOptions {
  transformation?: FhTransformation;
  backtransformation?: FhBacktransformation;
  /** Effective sample sizes, required for `arcsin` (sampling variance 1 / (4 n_eff)). */
  effectiveN?: readonly (number | null)[];
  /** `analytical` (default without arcsin or benchmarking), `bootstrap`, or `none`. */
  mse?: "analytical" | "bootstrap" | "none";
  /** Parametric bootstrap: replicates (default 200) and seed (default 123, emdi's). */
  reps?: number;
  seed?: number;
  benchmark?: FhBenchmarkOptions;
}

export interface FhEstimates {
  fit: FhFit;
  /** Estimates on the original scale (after back-transformation and benchmarking). */
  estimate: (number | null)[];
  /** Before benchmarking (equal to `estimate` without it). */
  unbenchmarked: (number | null)[];
  mse: (number | null)[];
  mseMethod: string;
  /** MSE of the EBLUP on the model scale (analytical), for intervals on that scale. */
  modelScaleMse: (number | null)[];
}

/**
 * Fay–Herriot estimates on the original scale, with their MSE, as R emdi's `fh()` and
 * `benchmark()` compute them, plus a benchmarked MSE emdi does not give:
 * - `transformation: "no"`: EBLUP with the analytical MSE of `fhMse`;
 * - `log` (direct log y, sampling variance ψ / y²): `bc_crude` exp(θ̂ + ½ mse) with MSE
 *   exp(θ̂ + ½ mse)² · mse, or `bc_sm` (Slud and Maiti 2006) exp(θ̂ + ½ σ²ᵤ(1 − γ)) with
 *   `sludMaitiMse` (in-sample areas only);
 * - `arcsin` (direct asin √y, sampling variance 1 / (4 n_eff)): `naive` sin²(θ̂) or `bc` (see
 *   `arcsinBackTransform`), MSE by parametric bootstrap (emdi `boot_arcsin_2`);
 * - `benchmark`: the estimates are benchmarked (`benchmark`) and the MSE comes from the
 *   parametric bootstrap with the benchmarking redone inside each replicate (each target
 *   redrawn with its `targetVariance`), so it accounts for the benchmarking.
 * The bootstrap (González-Manteiga et al. 2008): v* ~ N(0, σ̂²ᵤ), θ* = Xβ̂ + v*, y* = θ* + e*,
 * e* ~ N(0, ψ); refit with the same method; MSE = mean over replicates of (θ̂* − θ*)² on the
 * original scale. Seeded: the same seed gives the same MSE.
 */
export function fhEstimates(data: FhData, options: FhEstimatesOptions = {}): FhEstimates {
  const transformation = options.transformation ?? "no";
  const back =
    options.backtransformation ??
    (transformation === "log" ? "bc_crude" : transformation === "arcsin" ? "bc" : undefined);
  const model = toModelScale(data, transformation, options.effectiveN);
  const fit = fayHerriot(model, options);
  const analytical = fhMse(fit);
  const point = backTransform(fit, transformation, back, analytical.mse);
  let estimate = point.estimate;
  if (options.benchmark) estimate = applyBenchmark(estimate, options.benchmark);
  const mseChoice =
    options.mse ?? (transformation === "arcsin" || options.benchmark ? "bootstrap" : "analytical");
  let mse: (number | null)[];
  let mseMethod: string;
  if (mseChoice === "none") {
    mse = estimate.map(() => null);
    mseMethod = "none";
  } else if (mseChoice === "bootstrap") {
    mse = bootstrapMse(fit, transformation, back, options, estimate);
    mseMethod = "parametric-bootstrap";
  } else {
    if (transformation === "arcsin")
      throw new Error("fhEstimates: the arcsin transformation has a bootstrap MSE only");
    mse = point.mse;
    mseMethod = transformation === "log" && back === "bc_sm" ? "slud-maiti" : analytical.mseMethod;
  }
  return { fit, estimate, unbenchmarked: point.estimate, mse, mseMethod, modelScaleMse: analytical.mse };
}

function toModelScale(
  data: FhData,
  transformation: FhTransformation,
  effectiveN?: readonly (number | null)[],
): FhData {
  if (transformation === "no") return data;
  if (transformation === "log") {
    return {
      x: data.x,
      direct: data.direct.map((y) => {
        if (y === null) return null;
        if (!(y > 0))
          throw new Error(`fhEstimates: the log transformation needs positive direct estimates, got ${y}`);
        return Math.log(y);
      }),
      vardir: data.vardir.map((v, i) =>
        data.direct[i] === null || v === null ? null : v / data.direct[i]! ** 2,
      ),
    };
  }
  if (!effectiveN) throw new Error("fhEstimates: the arcsin transformation needs effectiveN");
  return {
    x: data.x,
    direct: data.direct.map((y) => {
      if (y === null) return null;
      if (!(y >= 0 && y <= 1))
        throw new Error(`fhEstimates: the arcsin transformation needs proportions in [0, 1], got ${y}`);
      return Math.asin(Math.sqrt(y));
    }),
    vardir: data.direct.map((y, i) => {
      if (y === null) return null;
      const n = effectiveN[i];
      if (n === null || n === undefined || !(n > 0))
        throw new Error(`fhEstimates: area ${i + 1} has no positive effective sample size`);
      return 1 / (4 * n);
    }),
  };
}

function backTransform(
  fit: FhFit,
  transformation: FhTransformation,
  back: FhBacktransformation | undefined,
  modelMse: readonly (number | null)[],
): { estimate: (number | null)[]; mse: (number | null)[] } {
  if (transformation === "no") return { estimate: [...fit.estimate], mse: [...modelMse] };
  if (transformation === "log") {
    if (back === "bc_sm") {
      const estimate = fit.estimate.map((e, i) =>
        fit.sampled[i] ? Math.exp(e + 0.5 * fit.sigma2u * (1 - fit.gamma[i]!)) : null,
      );
      return { estimate, mse: sludMaitiMse(fit) };
    }
    if (back !== "bc_crude")
      throw new Error(`fhEstimates: back-transformation ${back} does not apply to log`);
    const estimate = fit.estimate.map((e, i) =>
      modelMse[i] === null ? null : Math.exp(e + 0.5 * modelMse[i]!),
    );
    return { estimate, mse: estimate.map((e, i) => (e === null ? null : e * e * modelMse[i]!)) };
  }
  if (back === "naive") {
    return {
      estimate: fit.estimate.map((e) => Math.sin(Math.min(Math.max(e, 0), Math.PI / 2)) ** 2),
      mse: fit.estimate.map(() => null),
    };
  }
  if (back !== "bc") throw new Error(`fhEstimates: back-transformation ${back} does not apply to arcsin`);
  const estimate = fit.estimate.map((e, i) =>
    fit.sampled[i] ? arcsinBackTransform(e, fit.sigma2u * (1 - fit.gamma[i]!)) : Math.sin(e) ** 2,
  );
  return { estimate, mse: estimate.map(() => null) };
}

function applyBenchmark(
  estimate: (number | null)[],
  b: FhBenchmarkOptions,
  target = b.target,
): (number | null)[] {
  return benchmark(estimate, b.share, b.type, b.group, target);
}

function toOriginal(theta: number, transformation: FhTransformation): number {
  if (transformation === "log") return Math.exp(theta);
  if (transformation === "arcsin") return Math.sin(Math.min(Math.max(theta, 0), Math.PI / 2)) ** 2;
  return theta;
}

function bootstrapMse(
  fit: FhFit,
  transformation: FhTransformation,
  back: FhBacktransformation | undefined,
  options: FhEstimatesOptions,
  published: readonly (number | null)[],
): (number | null)[] {
  const reps = options.reps ?? 200;
  const z = seededNormal(options.seed ?? 123);
  const total = fit.sampled.length;
  const sd = Math.sqrt(fit.sigma2u);
  const sum = new Float64Array(total);
  const count = new Float64Array(total);
  const b = options.benchmark;
  const groups = b ? Math.max(0, ...(b.group ?? [0])) + 1 : 0;
  for (let rep = 0; rep < reps; rep++) {
    const theta = fit.synthetic.map((s) => s + sd * z());
    const truth = theta.map((t) => toOriginal(t, transformation));
    const direct = theta.map((t, i) => (fit.sampled[i] ? t + Math.sqrt(fit.vardir[i]!) * z() : null));
    let refit: FhFit;
    try {
      refit = fayHerriot({ direct, vardir: fit.vardir, x: fit.x }, { ...options, convergence: "exact" });
    } catch {
      continue;
    }
    let est = backTransform(refit, transformation, back, fhMse(refit).mse).estimate;
    if (b) {
      const target = new Array<number>(groups).fill(0);
      truth.forEach((t, i) => {
        target[b.group?.[i] ?? 0]! += b.share[i]! * t;
      });
      const withError = target.map((t, g) => t + Math.sqrt(b.targetVariance?.[g] ?? 0) * z());
      est = applyBenchmark(est, b, withError);
    }
    for (let i = 0; i < total; i++) {
      const e = est[i];
      if (e === null || e === undefined) continue;
      sum[i]! += (e - truth[i]!) ** 2;
      count[i]!++;
    }
  }
  return published.map((p, i) => (p === null || count[i] === 0 ? null : sum[i]! / count[i]!));
}
