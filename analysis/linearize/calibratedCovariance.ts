import type { DesignStructure, LonelyPsu } from "../types.ts";
import type { CalibrationOperator } from "./calibrationOperator.ts";
import { type DfTerms, multistageVariance } from "./multistageVariance.ts";

/**
 * How the units' corrections Z_u·F are formed: from Z's rows or from its factored form by cell
 * (raking), chosen by cost; tests force one or the other (both give the same numbers).
 */
export const correctionForm: { force: "rows" | "cells" | null } = { force: null };

/** How a domain's covariance is formed from the operator: chosen by cost, or forced (tests). */
export type OperatorPath = "auto" | "local" | "dense";

/**
 * The covariance (k x k) of k scores in a domain of a calibrated design, from their unit totals
 * within the domain (`totals`, before calibration) and the correction's inputs F (nJ x k,
 * row-major; row j belongs to operator level `levels[j]`, the levels the domain's rows touch):
 * unit totals t = t_domain − Z·F, covariance t'Vt as `multistageVariance` computes it.
 *
 * "dense" corrects every unit whose corrected total can be nonzero (those with rows in the
 * domain or a correction on a level the domain touches: a unit of another wave has neither,
 * and a zero total adds nothing) and sums over all strata. "local" corrects only the units of the
 * strata the domain has rows in (`strata`) and adds the other strata through the tabulated
 * K = Z'VZ: t'Vt = Σ_{h in strata}(t_h'Vt_h − D_h'VD_h) + F'KF, exact because V is
 * block-diagonal by stratum and the domain's totals are zero outside its strata. "auto" takes
 * the cheaper, counting multiply-adds.
 *
 * `df` (a Satterthwaite df, see `DfTerms`) needs each stratum's and unit's own term of the
 * corrected totals. "local" has those of the domain's own strata and folds the others into
 * F'KF: with `df.strata` (the df from the domain's own strata, the others only adding to the
 * variance) both paths give the same df; without it, "dense" is forced.
 */
export function calibratedCovariance(
  structure: DesignStructure,
  lonelyPsu: LonelyPsu,
  op: CalibrationOperator,
  totals: Map<number, Float64Array>,
  F: Float64Array,
  levels: ArrayLike<number>,
  strata: ArrayLike<number>,
  k: number,
  path: OperatorPath = "auto",
  df: DfTerms | null = null,
  blockEnd: Int32Array | null = null,
): number[][] {
  const L = op.size;
  const nJ = levels.length;
  const nUnits = op.Z.length / L;
  // a df needs the terms of the domain's own strata only (DfTerms.strata): "local" has them
  let local = path === "local" && (df === null || df.strata !== undefined);
  if (path === "auto" && (df === null || df.strata !== undefined)) {
    let near = 0;
    for (let s = 0; s < strata.length; s++) near += op.unitsOfStratum[strata[s]!]!.length;
    // the k×k work per unit: the pairs within the covariance blocks
    let kk = k * k;
    if (blockEnd) {
      kk = 0;
      for (let a = 0; a < k; a++) kk += 2 * (blockEnd[a]! - a);
    }
    const localCost = near * (nJ * k + kk) + nJ * nJ * k + (nJ * kk) / 2;
    const denseCost = nUnits * (nJ * k + kk / 2);
    local = localCost < denseCost;
  }
  // the corrections from the factored Z (once per cell, see CalibrationOperator.cells) when that
  // is cheaper: distinct cells x nJ x k + unit-cell pairs x k against units x nJ x k
  const byCell =
    op.cells !== null &&
    (correctionForm.force === "cells" ||
      (correctionForm.force === null && cheaperByCell(op, local ? strata : null, nJ, k)));
  const cellCorrection = byCell ? cellCorrections(op, F, levels, k) : null;
  // "local" where the domain's strata hold every unit with a nonzero Z on its levels (a wave's
  // district figure, the wave's own strata): D'VD over them is F'KF, the two cancel
  const whole = local && coversLevels(op, strata, levels);
  const T = new Map<number, Float64Array>();
  const D = local && !whole ? new Map<number, Float64Array>() : null;
  // corrected totals (and, "local", the corrections) of the units, k each, in two flat buffers:
  // one allocation per domain instead of two per unit
  // dense: the units whose total is not 0, those with rows in the domain or a correction on
  // a level the domain touches (a unit of another wave has neither); the others add exactly 0
  const dense = local ? null : unitsTouched(op, totals, levels);
  const count = dense ? dense.length : nearUnits(op, strata);
  const { tBuf, dBuf } = buffersFor(count * k);
  let next = 0;
  const correct = (u: number) => {
    const at = next++ * k;
    const d = dBuf.subarray(at, at + k);
    if (cellCorrection) cellCorrection(u, d);
    else {
      const z = u * L;
      for (let j = 0; j < nJ; j++) {
        const zj = op.Z[z + levels[j]!]!;
        if (zj === 0) continue;
        const f = j * k;
        for (let i = 0; i < k; i++) d[i]! += zj * F[f + i]!;
      }
    }
    const t = tBuf.subarray(at, at + k);
    const raw = totals.get(u);
    for (let i = 0; i < k; i++) t[i] = (raw ? raw[i]! : 0) - d[i]!;
    T.set(u, t);
    D?.set(u, d);
  };
  if (!local) {
    for (const u of dense!) correct(u);
    return multistageVariance(structure, null, { totals: T, k }, lonelyPsu, null, null, df, false, blockEnd);
  }
  // the domain's strata's units whose corrected total can be nonzero (rows in the domain, or a
  // correction on a touched level: another wave's units in the same stratum have neither)
  for (let s = 0; s < strata.length; s++)
    for (const u of op.unitsOfStratum[strata[s]!]!) if (totals.has(u) || touches(op, u, levels)) correct(u);
  // df: the terms of the domain's strata, from their corrected totals as "dense" has them
  const own = df
    ? { present: df.present, strata: df.strata, sum: new Float64Array(k), sumSq: new Float64Array(k) }
    : null;
  const out = multistageVariance(
    structure,
    null,
    { totals: T, k },
    lonelyPsu,
    null,
    null,
    own,
    false,
    blockEnd,
  );
  const addDf = () => {
    if (df && own)
      for (let i = 0; i < k; i++) {
        // Σ terms is the variance (other strata's terms are in F'KF); Σ term²/d the own strata's
        df.sum[i]! += out[i]![i]!;
        df.sumSq[i]! += own.sumSq[i]!;
      }
  };
  if (whole) {
    addDf();
    return out;
  }
  const near = multistageVariance(
    structure,
    null,
    { totals: D!, k },
    lonelyPsu,
    null,
    null,
    null,
    false,
    blockEnd,
  );
  // F'KF over the touched levels: KF = K_JJ·F, then F'·KF
  const KF = new Float64Array(nJ * k);
  for (let a = 0; a < nJ; a++) {
    const row = levels[a]! * L;
    for (let b = 0; b < nJ; b++) {
      const kab = op.K[row + levels[b]!]!;
      if (kab === 0) continue;
      for (let i = 0; i < k; i++) KF[a * k + i]! += kab * F[b * k + i]!;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let l = i; l < (blockEnd ? blockEnd[i]! : k); l++) {
      let q = 0;
      for (let a = 0; a < nJ; a++) q += F[a * k + i]! * KF[a * k + l]!;
      const v = out[i]![l]! - near[i]![l]! + q;
      out[i]![l] = v;
      out[l]![i] = v;
    }
  }
  addDf();
  return out;
}

/** Whether the factored Z costs less than Z's rows for these strata (null: every stratum). */
function cheaperByCell(
  op: CalibrationOperator,
  strata: ArrayLike<number> | null,
  nJ: number,
  k: number,
): boolean {
  const cells = op.cells!;
  let units = 0;
  let distinct = 0;
  let pairs = 0;
  const count = (h: number) => {
    const list = op.unitsOfStratum[h]!;
    units += list.length;
    distinct += cells.cellsOfStratum[h]!;
    for (const u of list) pairs += cells.cellStart[u + 1]! - cells.cellStart[u]!;
  };
  if (strata) for (let s = 0; s < strata.length; s++) count(strata[s]!);
  else for (let h = 0; h < op.unitsOfStratum.length; h++) count(h);
  // rows of R·F (at most a level per margin and cell, at most L), a number per margin and cell,
  // k per unit-cell pair; against nJ·k per unit
  const levels = Math.min(op.size, distinct * cells.margins);
  return levels * nJ * k + distinct * cells.margins * k + pairs * k < units * nJ * k;
}

interface CellScratch {
  cellStamp: Int32Array;
  levelStamp: Int32Array;
  epoch: number;
  MF: Float64Array;
  RF: Float64Array;
}
const cellScratch = new WeakMap<CalibrationOperator, CellScratch>();

/**
 * d += Z_u·F from the factored form (CalibrationOperator.cells): (R·F)_g at a level's first use
 * in this domain (over the touched levels only: F is zero elsewhere), (M·F)_c = Σ_m G_m(c)·(R·F)
 * at the cell's level in m at a cell's first use, then Σ_c wp_uc (M·F)_c.
 */
function cellCorrections(
  op: CalibrationOperator,
  F: Float64Array,
  levels: ArrayLike<number>,
  k: number,
): (u: number, d: Float64Array) => void {
  const { R, margins, G, level, cellStart, cell, cellW } = op.cells!;
  const L = op.size;
  const nCells = G.length / margins;
  let scratch = cellScratch.get(op);
  if (!scratch || scratch.MF.length < nCells * k) {
    scratch = {
      cellStamp: new Int32Array(nCells),
      levelStamp: new Int32Array(L),
      epoch: 0,
      MF: new Float64Array(nCells * k),
      RF: new Float64Array(L * k),
    };
    cellScratch.set(op, scratch);
  }
  const sc = scratch;
  const epoch = ++sc.epoch;
  const nJ = levels.length;
  const rowOfRF = (g: number): number => {
    const at = g * k;
    if (sc.levelStamp[g] === epoch) return at;
    sc.levelStamp[g] = epoch;
    sc.RF.fill(0, at, at + k);
    const row = g * L;
    for (let j = 0; j < nJ; j++) {
      const r = R[row + levels[j]!]!;
      if (r === 0) continue;
      const f = j * k;
      for (let i = 0; i < k; i++) sc.RF[at + i]! += r * F[f + i]!;
    }
    return at;
  };
  return (u, d) => {
    for (let e = cellStart[u]!; e < cellStart[u + 1]!; e++) {
      const c = cell[e]!;
      const mf = c * k;
      if (sc.cellStamp[c] !== epoch) {
        sc.cellStamp[c] = epoch;
        sc.MF.fill(0, mf, mf + k);
        for (let m = 0; m < margins; m++) {
          const g = G[m * nCells + c]!;
          if (g === 0) continue;
          const at = rowOfRF(level[m * nCells + c]!);
          for (let i = 0; i < k; i++) sc.MF[mf + i]! += g * sc.RF[at + i]!;
        }
      }
      const w = cellW[e]!;
      for (let i = 0; i < k; i++) d[i]! += w * sc.MF[mf + i]!;
    }
  };
}

let bufferT = new Float64Array(0);
let bufferD = new Float64Array(0);
/**
 * The units' corrected totals and corrections, `n` numbers each (D zeroed): reused from domain to
 * domain (calibratedCovariance is synchronous and its result holds neither), so a design's
 * thousands of domains do not allocate, and then collect, a buffer each.
 */
function buffersFor(n: number): { tBuf: Float64Array; dBuf: Float64Array } {
  if (bufferT.length < n) {
    bufferT = new Float64Array(Math.max(n, 2 * bufferT.length));
    bufferD = new Float64Array(bufferT.length);
  }
  bufferD.fill(0, 0, n);
  return { tBuf: bufferT.subarray(0, n), dBuf: bufferD.subarray(0, n) };
}

const strataOfLevels = new WeakMap<CalibrationOperator, Int32Array[]>();
let strataMark = new Uint8Array(0);

/** Whether every stratum with a unit whose Z is nonzero on one of the levels is among `strata`. */
function coversLevels(
  op: CalibrationOperator,
  strata: ArrayLike<number>,
  levels: ArrayLike<number>,
): boolean {
  const L = op.size;
  let byLevel = strataOfLevels.get(op);
  if (!byLevel) {
    const sets: Set<number>[] = Array.from({ length: L }, () => new Set());
    op.unitsOfStratum.forEach((units, h) => {
      for (const u of units) for (let l = 0; l < L; l++) if (op.Z[u * L + l] !== 0) sets[l]!.add(h);
    });
    byLevel = sets.map((set) => Int32Array.from(set));
    strataOfLevels.set(op, byLevel);
  }
  if (strataMark.length < op.unitsOfStratum.length) strataMark = new Uint8Array(op.unitsOfStratum.length);
  for (let s = 0; s < strata.length; s++) strataMark[strata[s]!] = 1;
  let covers = true;
  for (let j = 0; j < levels.length && covers; j++)
    for (const h of byLevel[levels[j]!]!)
      if (!strataMark[h]) {
        covers = false;
        break;
      }
  for (let s = 0; s < strata.length; s++) strataMark[strata[s]!] = 0;
  return covers;
}

/** Whether unit u has a nonzero Z on one of the levels. */
function touches(op: CalibrationOperator, u: number, levels: ArrayLike<number>): boolean {
  const z = u * op.size;
  for (let j = 0; j < levels.length; j++) if (op.Z[z + levels[j]!] !== 0) return true;
  return false;
}

/** The finest-stage units of the given strata. */
function nearUnits(op: CalibrationOperator, strata: ArrayLike<number>): number {
  let n = 0;
  for (let s = 0; s < strata.length; s++) n += op.unitsOfStratum[strata[s]!]!.length;
  return n;
}

const unitsOfLevels = new WeakMap<CalibrationOperator, Int32Array[]>();

/**
 * The units a domain's corrected totals can be nonzero on, in increasing order: those with
 * domain totals and those with a nonzero Z on one of the touched levels.
 */
function unitsTouched(
  op: CalibrationOperator,
  totals: Map<number, Float64Array>,
  levels: ArrayLike<number>,
): Int32Array {
  const L = op.size;
  const nUnits = op.Z.length / L;
  let byLevel = unitsOfLevels.get(op);
  if (!byLevel) {
    const lists: number[][] = Array.from({ length: L }, () => []);
    for (let u = 0; u < nUnits; u++) for (let l = 0; l < L; l++) if (op.Z[u * L + l] !== 0) lists[l]!.push(u);
    byLevel = lists.map((list) => Int32Array.from(list));
    unitsOfLevels.set(op, byLevel);
  }
  const mark = new Uint8Array(nUnits);
  for (const u of totals.keys()) mark[u] = 1;
  for (let j = 0; j < levels.length; j++) for (const u of byLevel[levels[j]!]!) mark[u] = 1;
  let n = 0;
  for (let u = 0; u < nUnits; u++) n += mark[u]!;
  const out = new Int32Array(n);
  for (let u = 0, i = 0; u < nUnits; u++) if (mark[u]) out[i++] = u;
  return out;
}
