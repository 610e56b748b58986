import { qnorm } from "../distributions/qnorm.ts";
import { arcsinMean } from "./arcsinBackTransform.ts";
import { arcsinSamplingMoments } from "./arcsinSampling.ts";
import { type BenchmarkType, benchmarkInto } from "./benchmark.ts";
import { seededNormal } from "./seededNormal.ts";
import { type TwoLevelFit, TwoLevelModel, type TwoLevelParameters, twoLevelFh } from "./twoLevelFh.ts";

export interface TwoLevelInput {
  /** Township index of each village, 0..T−1 (every township that should get a figure appears). */
  group: readonly number[];
  /** Direct estimate per village on its own scale (a proportion for `arcsin`); null without respondents. */
  direct: readonly (number | null)[];
  /** Sampling variance of the direct estimate (used without a transformation). */
  vardir: readonly (number | null)[];
  /** Effective sample size (used by `arcsin`: the sampling moments of asin √p̂, see `arcsinMoments`). */
  effectiveN?: readonly (number | null)[];
  x: readonly (readonly number[])[];
  /** Population of each village: weights for township and district aggregates. */
  population: readonly number[];
}

export interface TwoLevelOptions {
  transformation?: "no" | "arcsin";
  /**
   * Sampling moments of the arcsine-scale direct estimates. `small_sample` (default): the
   * binomial mean and variance of asin √p̂ with n_eff respondents (`arcsinSamplingMoments`) at
   * the model's own prediction of the rate (synthetic plus township effect, which leans on the
   * village's own answers only through its township), the direct estimate corrected for that
   * mean's offset from asin √p, refitted until the predictions settle (a few rounds).
   * `asymptotic`: 1 / (4 n_eff) and no correction, right only for larger samples.
   */
  arcsinMoments?: "small_sample" | "asymptotic";
  reps?: number;
  seed?: number;
  /** Benchmark townships to a district figure, then villages to their (benchmarked) township. */
  benchmark?: { type: BenchmarkType; districtTarget: number; districtTargetVariance?: number };
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
}

export interface AreaFigures {
  estimate: number[];
  mse: number[];
  ciLow: number[];
  ciHigh: number[];
}

export interface TwoLevelEstimates {
  fit: TwoLevelFit;
  village: AreaFigures & { shrinkage: number[]; sampled: boolean[] };
  township: AreaFigures;
  /** Largest |population-weighted aggregate − target| after benchmarking (0 without it). */
  benchmarkError: number;
  /** The direct estimates and sampling variances the model was fitted to (model scale; null unsampled). */
  modelDirect: (number | null)[];
  modelVardir: (number | null)[];
}

/**
 * Village and township figures from the two-level model (`twoLevelFh`), with parametric
 * bootstrap MSEs (seeded; default 200 replicates) that include the estimation of β and both
 * variances, the back-transformation and the benchmarking. Rates are modelled on the
 * arcsine-square-root scale (small-sample binomial sampling moments, see `arcsinMoments`) and back-transformed by
 * E[sin²(θ)] under θ's conditional normal law (not the naive inverse), so 0% and 100% villages
 * are fine. Intervals are built on the model scale from the bootstrap MSE there, and
 * back-transformed. Township figures are the population-weighted means of their villages'
 * predictions (sampled or not).
 */
export function twoLevelEstimates(input: TwoLevelInput, options: TwoLevelOptions = {}): TwoLevelEstimates {
  const transformation = options.transformation ?? "no";
  const arcsin = transformation === "arcsin";
  const z975 = qnorm(1 - (1 - (options.level ?? 0.95)) / 2);
  const total = input.direct.length;
  const towns = Math.max(-1, ...input.group) + 1;
  const townPop = new Array<number>(towns).fill(0);
  input.population.forEach((n, i) => {
    townPop[input.group[i]!]! += n;
  });
  const districtPop = townPop.reduce((a, b) => a + b, 0);
  const villageShare = input.population.map((n, i) => n / townPop[input.group[i]!]!);
  const townShare = townPop.map((n) => n / districtPop);
  const rawDirect = input.direct.map((y) =>
    y === null ? null : arcsin ? Math.asin(Math.sqrt(Math.min(Math.max(y, 0), 1))) : y,
  );
  const nEff = input.direct.map((y, i) => {
    if (y === null || !arcsin) return null;
    const n = input.effectiveN?.[i];
    if (n === null || n === undefined || !(n > 0))
      throw new Error(`twoLevelEstimates: village ${i + 1} has no positive effective sample size`);
    return n;
  });
  let direct = rawDirect;
  let vardir = input.direct.map((y, i) => {
    if (y === null) return null;
    return arcsin ? 1 / (4 * nEff[i]!) : (input.vardir[i] ?? null);
  });
  let fit = twoLevelFh({ group: input.group, direct, vardir, x: input.x });
  if (arcsin && (options.arcsinMoments ?? "small_sample") === "small_sample") {
    // Small-sample moments at the model's rate, refitted until that rate settles.
    for (let round = 0; round < 20; round++) {
      const rate = fit.synthetic.map((s, i) => {
        const t = s + fit.townshipEffect[input.group[i]!]!;
        return Math.sin(Math.min(Math.max(t, 0), Math.PI / 2)) ** 2;
      });
      const moments = rawDirect.map((y, i) =>
        y === null ? null : arcsinSamplingMoments(nEff[i]!, rate[i]!),
      );
      direct = rawDirect.map((y, i) =>
        y === null ? null : y - (moments[i]!.mean - Math.asin(Math.sqrt(rate[i]!))),
      );
      // (a floor only for a rate predicted at exactly 0 or 1, where the binomial variance vanishes)
      const next = moments.map((m, i) => (m === null ? null : Math.max(m.variance, 1e-3 / nEff[i]!)));
      const change = Math.max(0, ...next.map((v, i) => (v === null ? 0 : Math.abs(v / vardir[i]! - 1))));
      vardir = next;
      fit = twoLevelFh({ group: input.group, direct, vardir, x: input.x }, fit, 1e-10, 200);
      if (change < 1e-6) break;
    }
  }
  const data = { group: input.group, direct, vardir, x: input.x };
  const group = Int32Array.from(input.group);
  const share = Float64Array.from(villageShare);
  const tShare = Float64Array.from(townShare);
  const sums = new Float64Array(towns);
  // Village figures (back-transformed), their townships' population-weighted means, both
  // benchmarked: the published fit's and every replicate's, into the arrays given.
  const figuresInto = (
    estimate: ArrayLike<number>,
    conditionalVariance: ArrayLike<number>,
    districtTarget: number | undefined,
    village: Float64Array,
    town: Float64Array,
  ): void => {
    for (let i = 0; i < total; i++)
      village[i] = arcsin ? arcsinMean(estimate[i]!, conditionalVariance[i]!) : estimate[i]!;
    town.fill(0);
    for (let i = 0; i < total; i++) town[group[i]!]! += share[i]! * village[i]!;
    if (!options.benchmark || districtTarget === undefined) return;
    benchmarkInto(town, tShare, options.benchmark.type, null, [districtTarget], town, sums);
    benchmarkInto(village, share, options.benchmark.type, group, town, village, sums);
  };
  const publishedVillage = new Float64Array(total);
  const publishedTown = new Float64Array(towns);
  figuresInto(
    fit.estimate,
    fit.conditionalVariance,
    options.benchmark?.districtTarget,
    publishedVillage,
    publishedTown,
  );
  const published = { village: Array.from(publishedVillage), town: Array.from(publishedTown) };
  const reps = options.reps ?? 200;
  const normal = seededNormal(options.seed ?? 123);
  const sv = Math.sqrt(fit.sigma2v);
  const su = Math.sqrt(fit.sigma2u);
  const sqV = new Float64Array(total);
  const sqVt = new Float64Array(total);
  const sqT = new Float64Array(towns);
  const sqTt = new Float64Array(towns);
  let done = 0;
  const start: TwoLevelParameters = { sigma2v: fit.sigma2v, sigma2u: fit.sigma2u };
  const toScale = (p: number): number => (arcsin ? Math.asin(Math.sqrt(Math.min(Math.max(p, 0), 1))) : p);
  // Every replicate has the published fit's villages, sampling variances and covariates: one
  // model packed once, refitted to each replicate's estimates, its arrays reused.
  const model = new TwoLevelModel(data);
  const sd = Float64Array.from(vardir, (v) => (v === null ? Number.NaN : Math.sqrt(v)));
  const synthetic = Float64Array.from(fit.synthetic);
  const v = new Float64Array(towns);
  const theta = new Float64Array(total);
  const truth = new Float64Array(total);
  const truthTown = new Float64Array(towns);
  const ystar = new Float64Array(total);
  const yPacked = new Float64Array(model.m);
  const est = new Float64Array(total);
  const condVar = new Float64Array(total);
  const villageRep = new Float64Array(total);
  const townRep = new Float64Array(towns);
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < towns; k++) v[k] = sv * normal();
    for (let i = 0; i < total; i++) theta[i] = synthetic[i]! + v[group[i]!]! + su * normal();
    truthTown.fill(0);
    for (let i = 0; i < total; i++) {
      truth[i] = arcsin ? Math.sin(Math.min(Math.max(theta[i]!, 0), Math.PI / 2)) ** 2 : theta[i]!;
      truthTown[group[i]!]! += share[i]! * truth[i]!;
    }
    for (let i = 0; i < total; i++) if (!Number.isNaN(sd[i]!)) ystar[i] = theta[i]! + sd[i]! * normal();
    try {
      // from the fitted variances, to a relative step of 1e-5: a replicate's σ² closer than that
      // moves its EBLUPs far less than the 200 replicates' own Monte Carlo error (about 7% of the MSE)
      model.fit(model.packDirect(ystar, yPacked), start, 1e-5, 50);
    } catch {
      continue;
    }
    model.predictInto(est, condVar);
    let target: number | undefined;
    if (options.benchmark) {
      let districtTruth = 0;
      for (let k = 0; k < towns; k++) districtTruth += tShare[k]! * truthTown[k]!;
      target = districtTruth + Math.sqrt(options.benchmark.districtTargetVariance ?? 0) * normal();
    }
    figuresInto(est, condVar, target, villageRep, townRep);
    for (let i = 0; i < total; i++) {
      sqV[i]! += (villageRep[i]! - truth[i]!) ** 2;
      // on the model scale the truth is θ itself (clamped to [0, π/2] for rates)
      const truthScale = arcsin ? Math.min(Math.max(theta[i]!, 0), Math.PI / 2) : theta[i]!;
      sqVt[i]! += (toScale(villageRep[i]!) - truthScale) ** 2;
    }
    for (let k = 0; k < towns; k++) {
      sqT[k]! += (townRep[k]! - truthTown[k]!) ** 2;
      sqTt[k]! += (toScale(townRep[k]!) - toScale(truthTown[k]!)) ** 2;
    }
    done++;
  }
  const interval = (e: number, mseScale: number): [number, number] => {
    const half = z975 * Math.sqrt(mseScale);
    if (!arcsin) return [e - half, e + half];
    const c = toScale(e);
    const back = (t: number) => Math.sin(Math.min(Math.max(t, 0), Math.PI / 2)) ** 2;
    // A benchmarked rate can sit a hair outside [0, 1]; the interval still contains it.
    return [Math.min(back(c - half), e), Math.max(back(c + half), e)];
  };
  const area = (est: number[], sq: Float64Array, sqScale: Float64Array): AreaFigures => {
    const mse = est.map((_, i) => sq[i]! / done);
    const ci = est.map((e, i) => interval(e, sqScale[i]! / done));
    return { estimate: est, mse, ciLow: ci.map((c) => c[0]), ciHigh: ci.map((c) => c[1]) };
  };
  const village = { ...area(published.village, sqV, sqVt), shrinkage: fit.shrinkage, sampled: fit.sampled };
  const township = area(published.town, sqT, sqTt);
  let benchmarkError = 0;
  if (options.benchmark) {
    const agg = township.estimate.reduce((acc, t, k) => acc + townShare[k]! * t, 0);
    benchmarkError = Math.abs(agg - options.benchmark.districtTarget);
    const villAgg = new Array<number>(towns).fill(0);
    village.estimate.forEach((e, i) => {
      villAgg[input.group[i]!]! += villageShare[i]! * e;
    });
    villAgg.forEach((a, k) => {
      benchmarkError = Math.max(benchmarkError, Math.abs(a - township.estimate[k]!));
    });
  }
  return { fit, village, township, benchmarkError, modelDirect: direct, modelVardir: vardir };
}
