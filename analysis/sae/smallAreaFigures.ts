import { qnorm } from "../distributions/qnorm.ts";
import { twoLevelEstimates } from "./twoLevelEstimates.ts";

export interface VillageInput {
  code: string;
  township: string;
  population: number;
  /** Covariate row, intercept included. */
  x: number[];
  /** Respondents and Kish effective sample size; 0 for a village without respondents. */
  n: number;
  nEff: number;
  /** Weighted direct estimate on the 0–100 scale, null without respondents. */
  direct: number | null;
  /** Weighted within-village variance of the 0–100 score (means), null without respondents. */
  withinVariance: number | null;
}

export interface SmallAreaInput {
  /** `rate`: modelled on the arcsine-square-root scale; `mean`: on the 0–100 scale with GVF variances. */
  kind: "rate" | "mean";
  villages: VillageInput[];
  /** The district's direct figure (0–100) and its SE, the benchmark of the townships. */
  district: { estimate: number; se: number } | null;
  benchmark: "ratio" | "raking" | "none";
  reps: number;
  seed: number;
  level: number;
}

export interface AreaFigure {
  code: string;
  estimate: number;
  mse: number;
  ciLow: number;
  ciHigh: number;
  shrinkage: number | null;
  sampled: boolean;
  direct: number | null;
  directSe: number | null;
}

export interface SmallAreaDiagnostics {
  sigma2Township: number;
  sigma2Village: number;
  coefficients: { estimate: number; stdError: number }[];
  villagesSampled: number;
  meanShrinkage: number;
  /** Mean and SD of (direct − estimate) / √ψ over sampled villages, and the normal QQ correlation. */
  residualMean: number;
  residualSd: number;
  qqCorrelation: number;
  /** Pooled within-village variance behind the GVF ψ = σ² / n_eff (means), or null (rates). */
  gvfVariance: number | null;
  benchmarkError: number;
}

/**
 * Model-based figures for every village and township of one indicator, organization and wave:
 * the two-level model of `twoLevelEstimates` on the villages' direct estimates. Sampling
 * variances: for rates on the arcsine-square-root scale the small-sample binomial moments with
 * n_eff respondents at the model's rate (`arcsinSamplingMoments`; 1 / (4 n_eff) is only their
 * large-sample limit); for means a generalized
 * variance function ψ = σ²_w / n_eff with σ²_w the pooled weighted within-village variance (a
 * village's own variance from three people is not usable). Townships are benchmarked to the
 * district's direct figure (its SE enters the bootstrap), villages to their township.
 */
export function smallAreaFigures(input: SmallAreaInput): {
  villages: AreaFigure[];
  townships: AreaFigure[];
  diagnostics: SmallAreaDiagnostics;
} {
  const rate = input.kind === "rate";
  const scale = rate ? 100 : 1;
  const townships = [...new Set(input.villages.map((v) => v.township))].sort();
  const townIndex = new Map(townships.map((t, k) => [t, k]));
  const sampled = input.villages.map((v) => v.direct !== null && v.nEff > 0);
  let gvfVariance: number | null = null;
  if (!rate) {
    let num = 0;
    let den = 0;
    input.villages.forEach((v, i) => {
      if (!sampled[i] || v.withinVariance === null) return;
      num += v.withinVariance * v.n;
      den += Math.max(v.n - 1, 0);
    });
    gvfVariance = den > 0 ? num / den : 1;
  }
  const vardir = input.villages.map((v, i) => (sampled[i] && !rate ? gvfVariance! / v.nEff : null));
  const result = twoLevelEstimates(
    {
      group: input.villages.map((v) => townIndex.get(v.township)!),
      direct: input.villages.map((v, i) => (sampled[i] ? v.direct! / scale : null)),
      vardir,
      effectiveN: input.villages.map((v, i) => (sampled[i] ? v.nEff : null)),
      x: input.villages.map((v) => v.x),
      population: input.villages.map((v) => v.population),
    },
    {
      transformation: rate ? "arcsin" : "no",
      reps: input.reps,
      seed: input.seed,
      level: input.level,
      ...(input.benchmark !== "none" && input.district
        ? {
            benchmark: {
              type: input.benchmark,
              districtTarget: input.district.estimate / scale,
              districtTargetVariance: (input.district.se / scale) ** 2,
            },
          }
        : {}),
    },
  );
  const clamp = (v: number) => (rate ? Math.min(Math.max(v, 0), 100) : v);
  const villages: AreaFigure[] = input.villages.map((v, i) => {
    const p = sampled[i] ? v.direct! / scale : null;
    const directSe =
      p === null ? null : rate ? 100 * Math.sqrt((p * (1 - p)) / v.nEff) : Math.sqrt(vardir[i]!);
    return {
      code: v.code,
      // not clamped: ratio benchmarking can push a rate a hair past 100, and the aggregate must stay exact
      estimate: result.village.estimate[i]! * scale,
      mse: result.village.mse[i]! * scale * scale,
      ciLow: Math.min(clamp(result.village.ciLow[i]! * scale), result.village.estimate[i]! * scale),
      ciHigh: Math.max(clamp(result.village.ciHigh[i]! * scale), result.village.estimate[i]! * scale),
      shrinkage: sampled[i] ? result.village.shrinkage[i]! : null,
      sampled: sampled[i]!,
      direct: v.direct,
      directSe,
    };
  });
  const towns: AreaFigure[] = townships.map((code, k) => ({
    code,
    estimate: result.township.estimate[k]! * scale,
    mse: result.township.mse[k]! * scale * scale,
    ciLow: Math.min(clamp(result.township.ciLow[k]! * scale), result.township.estimate[k]! * scale),
    ciHigh: Math.max(clamp(result.township.ciHigh[k]! * scale), result.township.estimate[k]! * scale),
    shrinkage: null,
    sampled: input.villages.some((v, i) => v.township === code && sampled[i]),
    direct: null,
    directSe: null,
  }));
  // residual checks on the model scale
  const fit = result.fit;
  const std: number[] = [];
  input.villages.forEach((_v, i) => {
    if (!sampled[i]) return;
    // on the scale and with the sampling variances the model was fitted with
    std.push((result.modelDirect[i]! - fit.estimate[i]!) / Math.sqrt(result.modelVardir[i]!));
  });
  const mean = std.reduce((a, b) => a + b, 0) / Math.max(std.length, 1);
  const sd = Math.sqrt(std.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(std.length - 1, 1));
  const shrink = villages.filter((v) => v.shrinkage !== null).map((v) => v.shrinkage!);
  return {
    villages,
    townships: towns,
    diagnostics: {
      sigma2Township: fit.sigma2v,
      sigma2Village: fit.sigma2u,
      coefficients: fit.beta.map((b, k) => ({ estimate: b, stdError: Math.sqrt(fit.betaVcov[k]![k]!) })),
      villagesSampled: std.length,
      meanShrinkage: shrink.reduce((a, b) => a + b, 0) / Math.max(shrink.length, 1),
      residualMean: mean,
      residualSd: sd,
      qqCorrelation: qqCorrelation(std),
      gvfVariance,
      benchmarkError: result.benchmarkError * scale,
    },
  };
}

/** Correlation of the sorted values with normal quantiles at (i − 0.5)/n (a normal QQ plot's straightness). */
function qqCorrelation(values: number[]): number {
  const n = values.length;
  if (n < 3) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const q = sorted.map((_, i) => qnorm((i + 0.5) / n));
  const mx = sorted.reduce((a, b) => a + b, 0) / n;
  const mq = q.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (sorted[i]! - mx) * (q[i]! - mq);
    sxx += (sorted[i]! - mx) ** 2;
    syy += (q[i]! - mq) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
