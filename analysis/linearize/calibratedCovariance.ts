import type { DesignStructure, LonelyPsu } from "../types.ts";
import type { CalibrationOperator } from "./calibrationOperator.ts";
import {
  addUnitMoments,
  type DfTerms,
  fullEnds,
  multistageVariance,
  type PsuMoments,
  twoStageVariance,
} from "./multistageVariance.ts";
import { type UnitMap, UnitRows } from "./unitRows.ts";

/**
 * How the units' corrections Z_u·F are formed: from Z's rows or from its factored form by cell
 * (raking), chosen by cost, or (`moments`, the default where it applies: see `momentTables`)
 * not unit by unit outside the domain; tests force one or the other (all give the same numbers).
 */
export const correctionForm: { force: "rows" | "cells" | "moments" | null } = { force: null };

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
 * Either way, on a two-stage design whose units each lie in one calibration cell (Brewer over
 * villages and respondents, raked), the units outside the domain are not corrected one by one:
 * their sums per PSU come from their (PSU, cell) entries (`MomentTables`), and the variance from
 * each PSU's moments (`twoStageVariance`). A domain then costs its own units and its PSUs' cells,
 * where it cost every unit of its strata (or of the design): a district figure on a wave of
 * 33,000 respondents took 0.6 s instead of 1.45 s, a township's a fraction of it.
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
  totals: UnitRows<Float64Array>,
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
  // "local" where the domain's strata hold every unit with a nonzero Z on its levels (a wave's
  // district figure, the wave's own strata): D'VD over them is F'KF, the two cancel
  const whole = local && coversLevels(op, strata, levels);
  // two stages, a cell per unit: the units outside the domain by their PSU's cells (momentTables)
  const tables =
    correctionForm.force === null || correctionForm.force === "moments" ? momentTables(structure, op) : null;
  if (tables) {
    const factors = cellFactors(op, F, levels, k);
    const E = blockEnd ?? fullEnds(k);
    if (!local) {
      const psus = domainMoments(tables, factors, totals, null, k, E, df);
      return twoStageVariance(structure, lonelyPsu, psus, k, df, blockEnd);
    }
    const own = ownTerms(df, k);
    const out = twoStageVariance(
      structure,
      lonelyPsu,
      domainMoments(tables, factors, totals, strata, k, E, own),
      k,
      own,
      blockEnd,
    );
    const near = whole
      ? null
      : twoStageVariance(
          structure,
          lonelyPsu,
          domainMoments(tables, factors, null, strata, k, E, null),
          k,
          null,
          blockEnd,
        );
    return finishLocal(out, near, op, F, levels, k, blockEnd, df, own);
  }
  // the corrections from the factored Z (once per cell, see CalibrationOperator.cells) when that
  // is cheaper: distinct cells x nJ x k + unit-cell pairs x k against units x nJ x k
  const byCell =
    op.cells !== null &&
    (correctionForm.force === "cells" ||
      (correctionForm.force === null && cheaperByCell(op, local ? strata : null, nJ, k)));
  const cellCorrection = byCell ? cellCorrections(op, F, levels, k) : null;
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
  const own = ownTerms(df, k);
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
  const near = whole
    ? null
    : multistageVariance(structure, null, { totals: D!, k }, lonelyPsu, null, null, null, false, blockEnd);
  return finishLocal(out, near, op, F, levels, k, blockEnd, df, own);
}

/** "local": the df's terms of the domain's own strata, collected apart (see DfTerms.strata). */
function ownTerms(df: DfTerms | null, k: number): DfTerms | null {
  return df
    ? { present: df.present, strata: df.strata, sum: new Float64Array(k), sumSq: new Float64Array(k) }
    : null;
}

/**
 * "local": the domain's strata's covariance `out`, less their corrections' own `near` (null where
 * they cancel F'KF: `whole`), plus F'KF over the touched levels; the df's terms added.
 */
function finishLocal(
  out: number[][],
  near: number[][] | null,
  op: CalibrationOperator,
  F: Float64Array,
  levels: ArrayLike<number>,
  k: number,
  blockEnd: Int32Array | null,
  df: DfTerms | null,
  own: DfTerms | null,
): number[][] {
  const L = op.size;
  const nJ = levels.length;
  const addDf = () => {
    if (df && own)
      for (let i = 0; i < k; i++) {
        // Σ terms is the variance (other strata's terms are in F'KF); Σ term²/d the own strata's
        df.sum[i]! += out[i]![i]!;
        df.sumSq[i]! += own.sumSq[i]!;
      }
  };
  if (!near) {
    addDf();
    return out;
  }
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
  cellZero: Uint8Array;
  levelStamp: Int32Array;
  epoch: number;
  MF: Float64Array;
  RF: Float64Array;
}
const cellScratch = new WeakMap<CalibrationOperator, CellScratch>();

/** (M·F)_c of the cells a domain uses: `at(c)` is its offset in `MF` (k numbers), −1 where it is 0. */
interface CellFactors {
  MF: Float64Array;
  at: (c: number) => number;
}

/**
 * (M·F)_c from the factored form (CalibrationOperator.cells): (R·F)_g at a level's first use in
 * this domain (over the touched levels only: F is zero elsewhere), then (M·F)_c =
 * Σ_m G_m(c)·(R·F) at the cell's level in m at a cell's first use.
 */
function cellFactors(
  op: CalibrationOperator,
  F: Float64Array,
  levels: ArrayLike<number>,
  k: number,
): CellFactors {
  const { R, margins, G, level } = op.cells!;
  const L = op.size;
  const nCells = G.length / margins;
  let scratch = cellScratch.get(op);
  if (!scratch || scratch.MF.length < nCells * k) {
    scratch = {
      cellStamp: new Int32Array(nCells),
      cellZero: new Uint8Array(nCells),
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
  return {
    MF: sc.MF,
    at: (c) => {
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
        let zero = 1;
        for (let i = 0; i < k && zero; i++) if (sc.MF[mf + i] !== 0) zero = 0;
        sc.cellZero[c] = zero;
      }
      return sc.cellZero[c] ? -1 : mf;
    },
  };
}

/** d += Z_u·F from the factored form: Σ_c wp_uc (M·F)_c over the unit's cells. */
function cellCorrections(
  op: CalibrationOperator,
  F: Float64Array,
  levels: ArrayLike<number>,
  k: number,
): (u: number, d: Float64Array) => void {
  const { cellStart, cell, cellW } = op.cells!;
  const { MF, at } = cellFactors(op, F, levels, k);
  return (u, d) => {
    for (let e = cellStart[u]!; e < cellStart[u + 1]!; e++) {
      const mf = at(cell[e]!);
      if (mf < 0) continue;
      const w = cellW[e]!;
      for (let i = 0; i < k; i++) d[i]! += w * MF[mf + i]!;
    }
  };
}

/**
 * A two-stage design (stage-2 units: respondents) calibrated by cells, each unit in one cell:
 * a unit outside a domain has the corrected total t_u = −wp_u·(M·F)_c, so over the units of a
 * PSU in cell c its sums Σt, Σf·t and Σf·tt' are −A·g, −Af·g and Bf·gg' with g = (M·F)_c and
 * A = Σwp, Af = Σf·wp, Bf = Σf·wp² over those units (f = 1 − π with pps, else 1). Those three
 * are tabulated here per (PSU, cell) once per design, so a domain costs its own units and its
 * PSUs' cells, not every unit of its strata (or of the design) one by one.
 */
interface MomentTables {
  psuOf: Int32Array;
  cellOf: Int32Array;
  w: Float64Array;
  f: Float64Array;
  /** per unit, its (PSU, cell) entry */
  entryOf: Int32Array;
  /** the entries of PSU p: psuStart[p]..psuStart[p + 1] */
  psuStart: Int32Array;
  entryPsu: Int32Array;
  entryCell: Int32Array;
  A: Float64Array;
  Af: Float64Array;
  Bf: Float64Array;
  count: Int32Array;
  /** the entries of each cell */
  cellStart: Int32Array;
  cellEntries: Int32Array;
  psusOfStratum: Int32Array[];
  /** per domain: the domain's own part of each entry, stamped by `epoch` */
  stamp: Int32Array;
  domA: Float64Array;
  domAf: Float64Array;
  domBf: Float64Array;
  domCount: Int32Array;
  psuStamp: Int32Array;
  psuSlot: Int32Array;
  epoch: number;
}

const momentCache = new WeakMap<CalibrationOperator, MomentTables | null>();

/** Whether a domain's covariance is formed from its PSUs' moments on this design (see `MomentTables`). */
export function momentFormApplies(structure: DesignStructure, op: CalibrationOperator): boolean {
  return momentTables(structure, op) !== null;
}

/** The tables of `MomentTables` for the operator's design, or null where they do not apply. */
function momentTables(structure: DesignStructure, op: CalibrationOperator): MomentTables | null {
  let tables = momentCache.get(op);
  if (tables !== undefined) return tables;
  tables = buildMomentTables(structure, op);
  momentCache.set(op, tables);
  return tables;
}

function buildMomentTables(structure: DesignStructure, op: CalibrationOperator): MomentTables | null {
  const cells = op.cells;
  if (!cells || structure.stages.length !== 2) return null;
  const units = structure.stages[1]!;
  const nUnits = units.length;
  if (op.Z.length / op.size !== nUnits) return null;
  // a unit in one cell, or in none (outside the rows of an operator built for some rows: Z = 0)
  for (let u = 0; u < nUnits; u++) if (cells.cellStart[u + 1]! - cells.cellStart[u]! > 1) return null;
  const nPsus = structure.stages[0]!.length;
  const nCells = cells.G.length / cells.margins;
  const psuOf = new Int32Array(nUnits);
  const cellOf = new Int32Array(nUnits);
  const w = new Float64Array(nUnits);
  const f = new Float64Array(nUnits);
  for (let u = 0; u < nUnits; u++) {
    const unit = units[u]!;
    const inCell = cells.cellStart[u + 1]! > cells.cellStart[u]!;
    psuOf[u] = unit.parent;
    cellOf[u] = inCell ? cells.cell[cells.cellStart[u]!]! : -1;
    w[u] = inCell ? cells.cellW[cells.cellStart[u]!]! : 0;
    f[u] = structure.pps ? (unit.N - unit.n) / unit.N : 1;
  }
  // entries: the (PSU, cell) pairs, PSU by PSU (units in no cell have none)
  const order = Int32Array.from({ length: nUnits }, (_, u) => u)
    .filter((u) => cellOf[u]! >= 0)
    .sort((a, b) => (psuOf[a] !== psuOf[b] ? psuOf[a]! - psuOf[b]! : cellOf[a]! - cellOf[b]!));
  const entryOf = new Int32Array(nUnits).fill(-1);
  const psuStart = new Int32Array(nPsus + 1);
  const entryPsu: number[] = [];
  const entryCell: number[] = [];
  for (let x = 0; x < order.length; x++) {
    const u = order[x]!;
    const prev = x > 0 ? order[x - 1]! : -1;
    if (prev < 0 || psuOf[prev] !== psuOf[u] || cellOf[prev] !== cellOf[u]) {
      entryPsu.push(psuOf[u]!);
      entryCell.push(cellOf[u]!);
      psuStart[psuOf[u]! + 1]!++;
    }
    entryOf[u] = entryPsu.length - 1;
  }
  for (let p = 0; p < nPsus; p++) psuStart[p + 1]! += psuStart[p]!;
  const nEntries = entryPsu.length;
  const A = new Float64Array(nEntries);
  const Af = new Float64Array(nEntries);
  const Bf = new Float64Array(nEntries);
  const count = new Int32Array(nEntries);
  for (let u = 0; u < nUnits; u++) {
    const e = entryOf[u]!;
    if (e < 0) continue;
    A[e]! += w[u]!;
    Af[e]! += f[u]! * w[u]!;
    Bf[e]! += f[u]! * w[u]! * w[u]!;
    count[e]!++;
  }
  const cellStart = new Int32Array(nCells + 1);
  for (const c of entryCell) cellStart[c + 1]!++;
  for (let c = 0; c < nCells; c++) cellStart[c + 1]! += cellStart[c]!;
  const fill = cellStart.slice(0, nCells);
  const cellEntries = new Int32Array(nEntries);
  entryCell.forEach((c, e) => {
    cellEntries[fill[c]!++] = e;
  });
  const psusOfStratum: number[][] = structure.strata.map(() => []);
  structure.stages[0]!.forEach((psu, p) => {
    psusOfStratum[psu.parent]!.push(p);
  });
  return {
    psuOf,
    cellOf,
    w,
    f,
    entryOf,
    psuStart,
    entryPsu: Int32Array.from(entryPsu),
    entryCell: Int32Array.from(entryCell),
    A,
    Af,
    Bf,
    count,
    cellStart,
    cellEntries,
    psusOfStratum: psusOfStratum.map((list) => Int32Array.from(list)),
    stamp: new Int32Array(nEntries),
    domA: new Float64Array(nEntries),
    domAf: new Float64Array(nEntries),
    domBf: new Float64Array(nEntries),
    domCount: new Int32Array(nEntries),
    psuStamp: new Int32Array(nPsus),
    psuSlot: new Int32Array(nPsus),
    epoch: 0,
  };
}

/**
 * K = Z'VZ of the operator (`CalibrationOperator.K`) from its (PSU, cell) entries, or null where
 * the moments form does not apply (`MomentTables`). The unit totals −Z are the corrections of
 * F = I, so each PSU's moments come from its entries alone: entries x L² work, not units x L²
 * (at a million respondents, one unit each, the operator's largest step). Score a is level
 * `order[a]`; the covariances within the blocks `ends` (multistageVariance's `blockEnd`).
 */
export function operatorVarianceByMoments(
  structure: DesignStructure,
  lonelyPsu: LonelyPsu,
  op: CalibrationOperator,
  order: Int32Array,
  ends: Int32Array,
): number[][] | null {
  if (correctionForm.force !== null && correctionForm.force !== "moments") return null;
  const tables = momentTables(structure, op);
  if (!tables) return null;
  const L = op.size;
  const identity = new Float64Array(L * L);
  for (let j = 0; j < L; j++) identity[j * L + j] = 1;
  const factors = cellFactors(op, identity, order, L);
  const psus = domainMoments(tables, factors, null, null, L, ends, null);
  return twoStageVariance(structure, lonelyPsu, psus, L, null, ends);
}

let momentBuffer = new Float64Array(0);

/**
 * Each PSU's moments of its units' corrected totals (`PsuMoments`) for a domain: the domain's
 * units (`domain`: their totals; null, none) one by one, t = t_domain − wp·(M·F)_c, the others
 * by their (PSU, cell) entries less the domain's part. The PSUs: those of `strata` ("local"), or (null,
 * "dense") those with a unit in the domain or in a cell with a correction. `present`: the df's
 * flags of the domain's units.
 */
function domainMoments(
  t: MomentTables,
  factors: CellFactors,
  domain: UnitRows<Float64Array> | null,
  strata: ArrayLike<number> | null,
  k: number,
  E: Int32Array,
  df: DfTerms | null,
): PsuMoments[] {
  const epoch = ++t.epoch;
  const { MF, at } = factors;
  const psus: number[] = [];
  const slot = (p: number): number => {
    if (t.psuStamp[p] !== epoch) {
      t.psuStamp[p] = epoch;
      t.psuSlot[p] = psus.length;
      psus.push(p);
    }
    return t.psuSlot[p]!;
  };
  if (domain) for (const u of domain.units) slot(t.psuOf[u]!);
  if (strata) {
    for (let s = 0; s < strata.length; s++) for (const p of t.psusOfStratum[strata[s]!]!) slot(p);
  } else {
    const nCells = t.cellStart.length - 1;
    for (let c = 0; c < nCells; c++) {
      if (t.cellStart[c + 1] === t.cellStart[c] || at(c) < 0) continue;
      for (let x = t.cellStart[c]!; x < t.cellStart[c + 1]!; x++) slot(t.entryPsu[t.cellEntries[x]!]!);
    }
  }
  // per PSU: sum (k), fsum (k), cross (k x k), present (k): one buffer for the domain
  const per = 3 * k + k * k;
  const size = psus.length * per;
  if (momentBuffer.length < size) momentBuffer = new Float64Array(Math.max(size, 2 * momentBuffer.length));
  const buf = momentBuffer;
  buf.fill(0, 0, size);
  const out: PsuMoments[] = psus.map((p, x) => {
    const o = x * per;
    return {
      psu: p,
      sum: buf.subarray(o, o + k),
      fsum: buf.subarray(o + k, o + 2 * k),
      present: df ? buf.subarray(o + 2 * k, o + 3 * k) : null,
      cross: buf.subarray(o + 3 * k, o + per),
    };
  });
  const tv = new Float64Array(k);
  if (domain) {
    // read in the domain's buffer, without a view per unit
    const { units, buffer: raw } = domain;
    const present = df?.present;
    const flagRows = present instanceof UnitRows ? (present as UnitRows<Uint8Array>) : null;
    for (let l = 0; l < units.length; l++) {
      const u = units[l]!;
      const o = l * k;
      const m = out[t.psuSlot[t.psuOf[u]!]!]!;
      const mf = t.cellOf[u]! >= 0 ? at(t.cellOf[u]!) : -1;
      const wu = t.w[u]!;
      const fu = t.f[u]!;
      for (let i = 0; i < k; i++) tv[i] = raw[o + i]! - (mf >= 0 ? wu * MF[mf + i]! : 0);
      addUnitMoments(m.sum, m.fsum, m.cross, tv, fu, k, E);
      const e = t.entryOf[u]!;
      if (flagRows) {
        const fl = flagRows.indexOf(u) * k;
        if (fl >= 0) for (let a = 0; a < k; a++) m.present![a]! += flagRows.buffer[fl + a]!;
      } else if (present) {
        const flags = present.get(u);
        if (flags) for (let a = 0; a < k; a++) m.present![a]! += flags[a]!;
      }
      if (e < 0) continue;
      if (t.stamp[e] !== epoch) {
        t.stamp[e] = epoch;
        t.domA[e] = 0;
        t.domAf[e] = 0;
        t.domBf[e] = 0;
        t.domCount[e] = 0;
      }
      t.domA[e]! += wu;
      t.domAf[e]! += fu * wu;
      t.domBf[e]! += fu * wu * wu;
      t.domCount[e]!++;
    }
  }
  // the units outside the domain, by their PSU's cells
  for (const m of out) {
    for (let e = t.psuStart[m.psu]!; e < t.psuStart[m.psu + 1]!; e++) {
      const mf = at(t.entryCell[e]!);
      if (mf < 0) continue;
      const own = t.stamp[e] === epoch;
      if (own && t.domCount[e] === t.count[e]) continue;
      const a1 = own ? t.A[e]! - t.domA[e]! : t.A[e]!;
      const af = own ? t.Af[e]! - t.domAf[e]! : t.Af[e]!;
      const bf = own ? t.Bf[e]! - t.domBf[e]! : t.Bf[e]!;
      for (let a = 0; a < k; a++) {
        const ga = MF[mf + a]!;
        m.sum[a]! -= a1 * ga;
        m.fsum[a]! -= af * ga;
        if (ga === 0) continue;
        const row = a * k;
        const bga = bf * ga;
        for (let b = a; b < E[a]!; b++) m.cross[row + b]! += bga * MF[mf + b]!;
      }
    }
  }
  return out;
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
  totals: UnitMap<Float64Array>,
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
