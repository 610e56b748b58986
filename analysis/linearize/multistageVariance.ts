import type { DesignStructure, LonelyPsu } from "../types.ts";
import type { UnitMap } from "./unitRows.ts";

/**
 * Per-unit totals of k linearized scores at the finest stage used, sparse: units absent from the
 * map have zero totals. `stage1Units` lists, for an unclustered design, the stratum of each unit.
 */
export interface UnitTotals {
  /** finest-stage unit index -> k totals */
  totals: UnitMap<Float64Array>;
  k: number;
}

/**
 * What `multistageVariance` collects, when asked, for a Satterthwaite effective df of each of the
 * k variances (the diagonal): every term the variance is a sum of (one per stratum at stage 1,
 * one per parent unit at each later stage, each as it enters the sum: lonely-PSU "average"
 * scaling and ancestors' sampling fractions included) is added to `sum` and term²/d to `sumSq`,
 * d = (units of the term's parent present in the domain) − 1. "Present" comes from `present`
 * (finest-stage unit -> per item 1 when it has rows of that item in the domain) and is carried up
 * to the parents. A parent with no unit present (a calibrated domain's stratum or PSU that enters
 * only through the calibration residuals, which spread over all its units) counts all its n
 * sampled units instead; d is at least 1 (a lonely PSU kept by "adjust", a single unit in the
 * domain). Stage 3+ terms join the stage-2 sum the same way, each with its own d.
 * See `satterthwaiteDf` for the df itself.
 */
export interface DfTerms {
  present: UnitMap<Uint8Array>;
  /**
   * The strata the domain has rows in. When given, the terms of other strata (a calibrated
   * domain's strata it has no rows in, which enter only through the calibration residuals) add
   * to `sum` but not to `sumSq`: they are small, and leaving them out lets a domain's df be
   * computed from its own strata alone (calibratedCovariance's "local" path), the same way
   * whichever path computes the variance.
   */
  strata?: Set<number>;
  /** per item: Σ terms */
  sum: Float64Array;
  /** per item: Σ term²/d */
  sumSq: Float64Array;
}

/**
 * Satterthwaite (1946) effective degrees of freedom of a variance that is a sum of independent
 * terms v_j with d_j degrees of freedom each: (Σ v_j)² / Σ v_j²/d_j, here
 * (v1 + v2)² / (Σ_h v1h²/(m_h − 1) + Σ_i v2i²/(n_i − 1)) from `DfTerms`.
 *
 * By Cauchy–Schwarz it never exceeds Σ d_j, so the upper clamp (`bound`: the design-level df,
 * finest-stage units minus strata) only guards rounding; the lower clamp 1 keeps qt() finite
 * when one term with d = 1 dominates. A zero variance (no terms) has no df of its own: then
 * `fallback` (the domain's design df), clamped the same way.
 */
export function satterthwaiteDf(sum: number, sumSq: number, bound: number, fallback: number): number {
  const hi = Math.max(1, bound);
  const df = sumSq > 0 && sum > 0 ? (sum * sum) / sumSq : fallback;
  return Math.min(hi, Math.max(1, Number.isFinite(df) ? df : hi));
}

/**
 * The covariance matrix (k x k) of k linear estimators from their unit totals, as R's
 * `svyrecvar` -> `multistage` -> `onestage` -> `onestrat` compute it:
 * Σ_h f_h n_h/(n_h-1) Σ_i (t_hi - t̄_h)(t_hi - t̄_h)', plus, when every stage has an fpc,
 * each later stage's term within its parent unit multiplied by the sampling fraction n/N of
 * the stages above it. Lonely units follow `lonelyPsu`; `strataPresent` (the strata a domain
 * subset has rows in, for R's `nstrat` of a subset) scales "average".
 *
 * Centred sums are computed from per-parent sums Σt and Σtt' (absent units have t = 0, exactly
 * as R pads a domain subset with zero rows).
 *
 * PPS without replacement (`structure.pps`, R's `pps = "brewer"`): f varies by unit,
 * f_i = 1 − π_i, and a parent's term is n/(n−1) Σ_i f_i (t_i − t̄)(t_i − t̄)' with t̄ the
 * unweighted mean over its n units, as R's `onestrat` computes it with a per-row fpc (Brewer's
 * approximation). It is formed as Σf·tt' − t̄(Σf·t)' − (Σf·t)t̄' + (Σ_all f)·t̄t̄', the last sum over
 * every unit of the parent (absent ones have t = 0). `unitF` gives f of each unit of an
 * unclustered design (indexed like `unitsToStrata`). R pairs each PSU's f with its total by
 * position after `rowsum` sorts the PSUs, which is right only when they appear in sorted order
 * within their stratum; here each unit keeps its own f.
 *
 * `df` (optional): collect the terms of the diagonal for a Satterthwaite df (see `DfTerms`);
 * it reuses the loops over strata and units above, nothing over rows.
 *
 * `adjustDomainLonely` (R's `options(survey.adjust.domain.lonely = TRUE)`): a stratum with
 * several PSUs of which a domain subset has rows in only one is a lonely stratum of the domain:
 * with `lonelyPsu` "adjust" its one total is not centred (f·n/(n−1)·tt', as R's `onestrat`), with
 * "average" it is left out and the other strata scaled up; other choices keep R's default (the
 * zero-padded, centred sum). Only meaningful for a domain subset (`strataPresent` given).
 *
 * `blockEnd` (optional, `EstimateOptions.covarianceBlocks`): per item a, the end of its block;
 * only the covariances within blocks are summed, the others come out NaN.
 */
export function multistageVariance(
  structure: DesignStructure,
  unitsToStrata: Int32Array | null,
  input: UnitTotals,
  lonelyPsu: LonelyPsu,
  strataPresent: Set<number> | null,
  unitF: Float64Array | null = null,
  df: DfTerms | null = null,
  adjustDomainLonely = false,
  blockEnd: Int32Array | null = null,
): number[][] {
  const k = input.k;
  // per item a, the covariances computed are (a, b) for a <= b < E[a] (see covarianceBlocks)
  const E = blockEnd ?? fullEnds(k);
  const stages = structure.stages.length;
  // the upper triangle (b >= a) of the k x k result, mirrored at the end
  // scratch buffers, reused across calls (the function is synchronous): a domain set of a
  // thousand domains would otherwise allocate them twice per domain
  const { out, acc, stratum, presentCount } = scratchOf(k);
  out.fill(0);
  // totals per stage, from the finest up
  const perStage = rollUp(structure, input.totals, k, Float64Array, (into, t) => {
    for (let a = 0; a < k; a++) into[a]! += t[a]!;
  });
  // df: per stage, per unit, per item: 1 when the unit has rows of the item in the domain
  const presentAt = df
    ? rollUp(structure, df.present, k, Uint8Array, (into, flags) => {
        for (let a = 0; a < k; a++) into[a]! |= flags[a]!;
      })
    : [];
  // df: adds one term per item (term = scale · diagonal of `stratum`), d from the units present
  const addTerms = (
    group: Group,
    present: UnitMap<Uint8Array>,
    n: number,
    scale: number,
    sum: Float64Array,
    sumSq: Float64Array,
    own: boolean,
  ) => {
    presentCount.fill(0);
    for (const u of group.units) {
      const flags = present.get(u);
      if (flags) for (let a = 0; a < k; a++) presentCount[a]! += flags[a]!;
    }
    for (let a = 0; a < k; a++) {
      const v = scale * stratum[a * k + a]!;
      const m = presentCount[a]! > 0 ? presentCount[a]! : n;
      sum[a]! += v;
      if (own) sumSq[a]! += (v * v) / Math.max(m - 1, 1);
    }
  };
  const sum1 = new Float64Array(df ? k : 0);
  const sumSq1 = new Float64Array(df ? k : 0);
  // stage 1: strata, one at a time (units grouped by stratum in their order of appearance)
  const parentOf0 = (u: number) => (unitsToStrata ? unitsToStrata[u]! : structure.stages[0]![u]!.parent);
  const nStrata = structure.strata.length;
  const pps = structure.pps;
  const s1 = groupBy(perStage[0]!, parentOf0);
  // pps: f of a stage-s unit (unclustered designs: of an aggregate row)
  const fOf = (s: number, u: number): number => {
    if (s === 0 && unitsToStrata) return unitF![u]!;
    const unit = structure.stages[s]![u]!;
    return (unit.N - unit.n) / unit.N;
  };
  let okStrata = 0;
  let countedStrata = 0;
  for (let h = 0; h < nStrata; h++) {
    if (strataPresent && !strataPresent.has(h)) continue;
    countedStrata++;
    const n = structure.psusPerStratum[h]!;
    const N = structure.strataN[h]!;
    const f = pps ? structure.fMax[0]![h]! : Number.isFinite(N) ? (N - n) / N : 1;
    const units = s1.get(h);
    if (f < 1e-7) {
      okStrata++;
      continue;
    }
    if (n === 1 && lonelyPsu === "average") continue;
    const domainLonely = adjustDomainLonely && n > 1 && units?.units.length === 1;
    if (domainLonely && lonelyPsu === "average") continue;
    okStrata++;
    if (!units) continue;
    if (pps) {
      accumulatePps(acc, units, (u) => fOf(0, u), k, E);
      onestratPps(acc, n, structure.fSum[0]![h]!, lonelyPsu, stratum, k, E);
    } else {
      accumulate(acc, units.totals, k, E);
      onestrat(acc, n, f, lonelyPsu, stratum, k, E, domainLonely && lonelyPsu === "adjust");
    }
    for (let a = 0; a < k; a++) for (let b = a; b < E[a]!; b++) out[a * k + b]! += stratum[a * k + b]!;
    if (df) addTerms(units, presentAt[0]!, n, 1, sum1, sumSq1, !df.strata || df.strata.has(h));
  }
  let scale1 = 1;
  if (lonelyPsu === "average" && okStrata < countedStrata) {
    const scale = countedStrata / okStrata;
    scale1 = scale;
    for (let a = 0; a < k; a++) for (let b = a; b < E[a]!; b++) out[a * k + b]! *= scale;
  }
  if (df) {
    for (let a = 0; a < k; a++) {
      df.sum[a]! += scale1 * sum1[a]!;
      df.sumSq[a]! += scale1 * scale1 * sumSq1[a]!;
    }
  }
  // later stages: each parent unit is a "stratum" of its children
  for (let s = 1; s < stages; s++) {
    const { ancestors, strataOf } = parentsOf(structure, s);
    const groups = groupBy(perStage[s]!, (u) => structure.stages[s]![u]!.parent);
    for (const [p, units] of groups) {
      const fill = pps
        ? () => accumulatePps(acc, units, (u) => fOf(s, u), k, E)
        : () => accumulate(acc, units.totals, k, E);
      const n = parentTerm(structure, s, p, lonelyPsu, fill, acc, stratum, out, k, E);
      if (n >= 0 && df)
        addTerms(
          units,
          presentAt[s]!,
          n,
          ancestors[p]!,
          df.sum,
          df.sumSq,
          !df.strata || df.strata.has(strataOf[p]!),
        );
    }
  }
  return mirrored(out, k, E);
}

/**
 * A later stage's term for parent unit p of stage s − 1, its units a "stratum": f (PPS: the
 * parent's largest 1 − π), the lonely-unit rules, then the centred sums of `acc` once `fill` has
 * filled it, times the ancestors' sampling fractions, added to `out`. Returns the parent's number
 * of units n, or −1 where f is 0 (no term).
 */
function parentTerm(
  structure: DesignStructure,
  s: number,
  p: number,
  lonelyPsu: LonelyPsu,
  fill: () => void,
  acc: { sum: Float64Array; cross: Float64Array; fsum: Float64Array },
  stratum: Float64Array,
  out: Float64Array,
  k: number,
  E: Int32Array,
): number {
  const { childOf, ancestors } = parentsOf(structure, s);
  const child = childOf.get(p)!;
  const n = child.n;
  const N = child.N;
  const pps = structure.pps;
  const f = pps ? structure.fMax[s]![p]! : Number.isFinite(N) ? (N - n) / N : 1;
  if (f < 1e-7) return -1;
  if (n === 1 && lonelyPsu === "fail") {
    throw new Error(
      `a stage-${s + 1} sampling unit is the only one in its stage-${s} unit (lonelyPsu "fail")`,
    );
  }
  if (n === 1 && lonelyPsu === "average") {
    throw new Error(
      `lonelyPsu "average" with a single unit at stage ${s + 1}: R gives NaN; use another option`,
    );
  }
  fill();
  if (pps) onestratPps(acc, n, structure.fSum[s]![p]!, lonelyPsu, stratum, k, E);
  else onestrat(acc, n, f, lonelyPsu, stratum, k, E);
  // multiplier: sampling fractions of the ancestors
  const mult = ancestors[p]!;
  for (let a = 0; a < k; a++) for (let b = a; b < E[a]!; b++) out[a * k + b]! += mult * stratum[a * k + b]!;
  return n;
}

/** The k x k matrix from its upper triangle within the blocks (NaN outside them). */
function mirrored(out: Float64Array, k: number, E: Int32Array): number[][] {
  const rows: number[][] = [];
  for (let a = 0; a < k; a++) {
    const row = new Array<number>(k);
    for (let b = 0; b < k; b++)
      row[b] = b >= a ? (b < E[a]! ? out[a * k + b]! : Number.NaN) : a < E[b]! ? out[b * k + a]! : Number.NaN;
    rows.push(row);
  }
  return rows;
}

interface Scratch {
  out: Float64Array;
  acc: { sum: Float64Array; cross: Float64Array; fsum: Float64Array };
  stratum: Float64Array;
  presentCount: Float64Array;
}
const scratchCache = new Map<number, Scratch>();
/** Buffers for k items (every one is filled before it is read, `out` zeroed by the caller). */
function scratchOf(k: number): Scratch {
  let s = scratchCache.get(k);
  if (!s) {
    s = {
      out: new Float64Array(k * k),
      acc: { sum: new Float64Array(k), cross: new Float64Array(k * k), fsum: new Float64Array(k) },
      stratum: new Float64Array(k * k),
      presentCount: new Float64Array(k),
    };
    if (scratchCache.size > 16) scratchCache.clear();
    scratchCache.set(k, s);
  }
  return s;
}

const fullEndsCache = new Map<number, Int32Array>();
/** Without blocks: every item's covariances run to the last item. */
export function fullEnds(k: number): Int32Array {
  let e = fullEndsCache.get(k);
  if (!e) {
    e = new Int32Array(k).fill(k);
    if (fullEndsCache.size > 64) fullEndsCache.clear();
    fullEndsCache.set(k, e);
  }
  return e;
}

const parentsCache = new WeakMap<
  DesignStructure,
  { childOf: Map<number, { n: number; N: number }>; ancestors: Float64Array; strataOf: Int32Array }[]
>();

/**
 * Stage s (≥ 1) of the design: a child of each parent unit (its n and N are the parent's
 * sample and population counts), each parent's multiplier, the product of the sampling
 * fractions n/N of the parent and its ancestors, and each parent's stratum. Computed once per
 * design structure.
 */
function parentsOf(structure: DesignStructure, s: number) {
  let perStage = parentsCache.get(structure);
  if (!perStage) {
    perStage = [];
    parentsCache.set(structure, perStage);
  }
  let entry = perStage[s];
  if (!entry) {
    const childOf = new Map<number, { n: number; N: number }>();
    for (const c of structure.stages[s]!) if (!childOf.has(c.parent)) childOf.set(c.parent, c);
    const ancestors = new Float64Array(structure.stages[s - 1]!.length);
    const strataOf = new Int32Array(ancestors.length);
    for (let p = 0; p < ancestors.length; p++) {
      let mult = 1;
      let q = p;
      for (let r = s - 1; r >= 0; r--) {
        const unit = structure.stages[r]![q]!;
        mult *= unit.n / unit.N;
        q = unit.parent;
      }
      ancestors[p] = mult;
      strataOf[p] = q;
    }
    entry = { childOf, ancestors, strataOf };
    perStage[s] = entry;
  }
  return entry;
}

interface Group {
  units: number[];
  totals: Float64Array[];
}

/** Units' totals grouped by parent, parents and units in their order of appearance. */
function groupBy(totals: UnitMap<Float64Array>, parentOf: (u: number) => number): Map<number, Group> {
  const groups = new Map<number, Group>();
  for (const [u, t] of totals) {
    const p = parentOf(u);
    const group = groups.get(p);
    if (group) {
      group.units.push(u);
      group.totals.push(t);
    } else groups.set(p, { units: [u], totals: [t] });
  }
  return groups;
}

/** pps: Σt, Σf·t (in `fsum`) and the upper triangle of Σf·tt' over one group's units. */
function accumulatePps(
  acc: { sum: Float64Array; cross: Float64Array; fsum: Float64Array },
  group: Group,
  fOf: (u: number) => number,
  k: number,
  E: Int32Array,
): void {
  acc.sum.fill(0);
  acc.fsum.fill(0);
  acc.cross.fill(0);
  group.totals.forEach((t, x) => {
    addUnitMoments(acc.sum, acc.fsum, acc.cross, t, fOf(group.units[x]!), k, E);
  });
}

/** One unit's total t (k) into Σt, Σf·t and the upper triangle of Σf·tt' within the blocks. */
export function addUnitMoments(
  sum: Float64Array,
  fsum: Float64Array,
  cross: Float64Array,
  t: ArrayLike<number>,
  f: number,
  k: number,
  E: Int32Array,
): void {
  for (let a = 0; a < k; a++) {
    const ta = t[a]!;
    sum[a]! += ta;
    fsum[a]! += f * ta;
    if (ta === 0) continue;
    const row = a * k;
    const fta = f * ta;
    const end = E[a]!;
    for (let b = a; b < end; b++) cross[row + b]! += fta * t[b]!;
  }
}

/** pps: n/(n−1) Σ_i f_i (t_i − t̄)(t_i − t̄)' from the sums, `fAll` = Σ f over all n units. */
function onestratPps(
  acc: { sum: Float64Array; cross: Float64Array; fsum: Float64Array },
  n: number,
  fAll: number,
  lonelyPsu: LonelyPsu,
  out: Float64Array,
  k: number,
  E: Int32Array,
): void {
  const centre = !(n === 1 && lonelyPsu === "adjust");
  const scale = n > 1 ? n / (n - 1) : 1;
  for (let a = 0; a < k; a++) {
    const ma = acc.sum[a]! / n;
    for (let b = a; b < E[a]!; b++) {
      const mb = acc.sum[b]! / n;
      const c = centre
        ? acc.cross[a * k + b]! - ma * acc.fsum[b]! - mb * acc.fsum[a]! + fAll * ma * mb
        : acc.cross[a * k + b]!;
      out[a * k + b] = scale * c;
    }
  }
}

/** Σt and the upper triangle of Σtt' over one group's units. */
function accumulate(
  acc: { sum: Float64Array; cross: Float64Array },
  units: Float64Array[],
  k: number,
  E: Int32Array,
): void {
  acc.sum.fill(0);
  acc.cross.fill(0);
  for (const t of units) {
    for (let a = 0; a < k; a++) {
      const ta = t[a]!;
      acc.sum[a]! += ta;
      if (ta === 0) continue;
      const row = a * k;
      const end = E[a]!;
      for (let b = a; b < end; b++) acc.cross[row + b]! += ta * t[b]!;
    }
  }
}

function onestrat(
  acc: { sum: Float64Array; cross: Float64Array },
  n: number,
  f: number,
  lonelyPsu: LonelyPsu,
  out: Float64Array,
  k: number,
  E: Int32Array,
  uncentred = false,
): void {
  const centre = !uncentred && !(n === 1 && lonelyPsu === "adjust");
  const scale = n > 1 ? (f * n) / (n - 1) : f;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < E[a]!; b++) {
      const c = acc.cross[a * k + b]! - (centre ? (acc.sum[a]! * acc.sum[b]!) / n : 0);
      out[a * k + b] = scale * c;
    }
  }
}

/**
 * Per-unit arrays of the finest stage, and each coarser stage's made from its units' by `add`
 * (sums of totals, or of presence flags): index s holds stage s's units (the finest at the
 * last stage, or at 0 for a one-stage design).
 */
function rollUp<T extends Float64Array | Uint8Array>(
  structure: DesignStructure,
  finest: UnitMap<T>,
  k: number,
  make: new (k: number) => T,
  add: (into: T, from: T) => void,
): UnitMap<T>[] {
  const stages = structure.stages.length;
  const out: UnitMap<T>[] = [];
  let level: UnitMap<T> = finest;
  out[Math.max(stages, 1) - 1] = level;
  for (let s = stages - 1; s >= 1; s--) {
    const up = new Map<number, T>();
    for (const [u, values] of level) {
      const parent = structure.stages[s]![u]!.parent;
      let into = up.get(parent);
      if (!into) {
        into = new make(k);
        up.set(parent, into);
      }
      add(into, values);
    }
    out[s - 1] = up;
    level = up;
  }
  return out;
}

/**
 * What `twoStageVariance` needs of one stage-1 unit (a PSU) of a two-stage design: the sums over
 * its stage-2 units of their totals t (k), of f·t and the upper triangle of Σ f·tt' within the
 * covariance blocks (k x k; f = 1 − π of the unit with pps, 1 without), and, for a Satterthwaite
 * df, per item the number of its units with rows of the item in the domain.
 */
export interface PsuMoments {
  psu: number;
  sum: Float64Array;
  fsum: Float64Array;
  cross: Float64Array;
  present: Float64Array | null;
}

/**
 * `multistageVariance` of a two-stage design (every stage with an fpc; a calibrated domain, so
 * every stratum counts) from each PSU's moments of its units' totals rather than the totals
 * themselves: the same sums in the same formulas, so a PSU's units need not be listed one by
 * one (calibratedCovariance forms the moments of the units outside a domain from the
 * calibration cells' sums). PSUs not given have totals 0.
 */
export function twoStageVariance(
  structure: DesignStructure,
  lonelyPsu: LonelyPsu,
  psus: PsuMoments[],
  k: number,
  df: DfTerms | null = null,
  blockEnd: Int32Array | null = null,
): number[][] {
  const E = blockEnd ?? fullEnds(k);
  const { out, acc, stratum, presentCount } = scratchOf(k);
  out.fill(0);
  const pps = structure.pps;
  // df: one term per item from the diagonal of `stratum`, d from the units present (see DfTerms)
  const addTerms = (n: number, scale: number, sum: Float64Array, sumSq: Float64Array, own: boolean) => {
    for (let a = 0; a < k; a++) {
      const v = scale * stratum[a * k + a]!;
      const m = presentCount[a]! > 0 ? presentCount[a]! : n;
      sum[a]! += v;
      if (own) sumSq[a]! += (v * v) / Math.max(m - 1, 1);
    }
  };
  // stage 1: the PSUs' totals by stratum
  const byStratum = new Map<number, Group & { present: Float64Array[] }>();
  for (const m of psus) {
    const h = structure.stages[0]![m.psu]!.parent;
    let group = byStratum.get(h);
    if (!group) {
      group = { units: [], totals: [], present: [] };
      byStratum.set(h, group);
    }
    group.units.push(m.psu);
    group.totals.push(m.sum);
    if (m.present) group.present.push(m.present);
  }
  const sum1 = new Float64Array(df ? k : 0);
  const sumSq1 = new Float64Array(df ? k : 0);
  const nStrata = structure.strata.length;
  const fOf0 = (u: number): number => {
    const unit = structure.stages[0]![u]!;
    return (unit.N - unit.n) / unit.N;
  };
  let okStrata = 0;
  for (let h = 0; h < nStrata; h++) {
    const n = structure.psusPerStratum[h]!;
    const N = structure.strataN[h]!;
    const f = pps ? structure.fMax[0]![h]! : Number.isFinite(N) ? (N - n) / N : 1;
    if (f < 1e-7) {
      okStrata++;
      continue;
    }
    if (n === 1 && lonelyPsu === "average") continue;
    okStrata++;
    const units = byStratum.get(h);
    if (!units) continue;
    if (pps) {
      accumulatePps(acc, units, fOf0, k, E);
      onestratPps(acc, n, structure.fSum[0]![h]!, lonelyPsu, stratum, k, E);
    } else {
      accumulate(acc, units.totals, k, E);
      onestrat(acc, n, f, lonelyPsu, stratum, k, E);
    }
    for (let a = 0; a < k; a++) for (let b = a; b < E[a]!; b++) out[a * k + b]! += stratum[a * k + b]!;
    if (df) {
      // a PSU is present for an item when one of its units is
      presentCount.fill(0);
      for (const p of units.present) for (let a = 0; a < k; a++) if (p[a]! > 0) presentCount[a]!++;
      addTerms(n, 1, sum1, sumSq1, !df.strata || df.strata.has(h));
    }
  }
  let scale1 = 1;
  if (lonelyPsu === "average" && okStrata < nStrata) {
    scale1 = nStrata / okStrata;
    for (let a = 0; a < k; a++) for (let b = a; b < E[a]!; b++) out[a * k + b]! *= scale1;
  }
  if (df) {
    for (let a = 0; a < k; a++) {
      df.sum[a]! += scale1 * sum1[a]!;
      df.sumSq[a]! += scale1 * scale1 * sumSq1[a]!;
    }
  }
  // stage 2: each PSU a "stratum" of its units, from its moments
  const { ancestors, strataOf } = parentsOf(structure, 1);
  for (const m of psus) {
    const p = m.psu;
    const fill = () => {
      acc.sum.set(m.sum);
      acc.fsum.set(m.fsum);
      acc.cross.set(m.cross);
    };
    const n = parentTerm(structure, 1, p, lonelyPsu, fill, acc, stratum, out, k, E);
    if (n >= 0 && df) {
      if (m.present) presentCount.set(m.present);
      else presentCount.fill(0);
      addTerms(n, ancestors[p]!, df.sum, df.sumSq, !df.strata || df.strata.has(strataOf[p]!));
    }
  }
  return mirrored(out, k, E);
}
