import { keyOf } from "../designStructure.ts";
import { queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import { solve } from "./calibrationCorrection.ts";
import { multistageVariance } from "./multistageVariance.ts";
import { levelOffsets, rakeSweeps } from "./rakeSweeps.ts";

/**
 * The calibration correction of a clustered, raked or linearly calibrated design as one linear
 * map, tabulated once per design. A score enters the correction only through L numbers F (the
 * margin-level sums F0 of `rakeSweeps`, or the p moments of linear calibration), so the
 * correction of every unit is D = Z·F with Z (units x L) = W·M: W the units' Σ w_prev per cell,
 * M the sweeps applied to the L unit vectors (linear: Z = X_unit·(X'WX)⁻¹).
 *
 * The variance t'Vt of unit totals t is block-diagonal by stratum, so for t = t_domain − Z·F:
 * t'Vt = Σ_{strata with domain rows} (t_h'V t_h − D_h'V D_h) + F'(Z'VZ)F, and K = Z'VZ is
 * tabulated too. A domain then costs the units of its own strata and the levels its rows
 * touch, not every unit and cell of the design.
 */
export interface CalibrationOperator {
  /** L: margin levels (raking) or calibration variables (linear) */
  size: number;
  /** raking: where each margin's levels start in F; linear: [0, p] */
  offsets: number[];
  /** units x L, row-major */
  Z: Float64Array;
  /** L x L, Z'VZ with V the design's variance (multistageVariance) */
  K: Float64Array;
  /** finest-stage units of each stratum */
  unitsOfStratum: Int32Array[];
}

/** Tabulating costs units·L² time and units·L memory: beyond these, the direct computation is used. */
const MAX_SIZE = 2000;
const MAX_WORK = 5e8;
const MAX_ENTRIES = 1e7;

const cache = new WeakMap<TaylorDesign, Promise<CalibrationOperator | null>>();

/**
 * The design's operator (built at the first call, then cached on the design object), or null
 * when it does not apply: no calibration, post-stratification (already a cell-wise correction),
 * an unclustered design (every row a unit) or an operator too large to tabulate. With
 * `ifBuilt`, null too when it is not built yet: building costs about as much as L items of one
 * domain done directly, not worth it for a single domain.
 */
export function calibrationOperator(
  design: TaylorDesign,
  options: { ifBuilt?: boolean } = {},
): Promise<CalibrationOperator | null> {
  let op = cache.get(design);
  if (!op && options.ifBuilt) return Promise.resolve(null);
  if (!op) {
    op = build(design);
    cache.set(design, op);
    op.catch(() => cache.delete(design));
  }
  return op;
}

async function build(design: TaylorDesign): Promise<CalibrationOperator | null> {
  const cal = design.calibration;
  if (!cal || cal.method === "poststratify" || design.unitExprs.length === 0) return null;
  const structure = design.structure;
  const S = design.unitExprs.length;
  const nUnits = structure.stages[S - 1]!.length;
  const offsets = cal.method === "linear" ? [0, cal.columns.length] : levelOffsets(cal);
  const L = offsets[offsets.length - 1]!;
  if (L > MAX_SIZE || nUnits * L * L > MAX_WORK || nUnits * L > MAX_ENTRIES) return null;

  const groups = [`${design.stratumExpr} as "__h"`, ...design.unitExprs.map((u, s) => `${u} as "__u${s}"`)];
  const aggs =
    cal.method === "linear"
      ? cal.columns.map((_, j) => `sum("__bm_psw" * "__bm_x${j}")`)
      : [`"__bm_cell"`, `count(*)`, `sum("__bm_wprev")`];
  const q = await queryColumns(
    design.session,
    `select ${groups.join(", ")}, ${aggs.join(", ")} from ${design.relation} group by all`,
    design.params,
  );
  const C = q.columns;
  const unitOf = (r: number): number => {
    const ids = [C[0]![r]];
    for (let s = 0; s < S; s++) ids.push(C[1 + s]![r]);
    const u = structure.keys[S - 1]!.get(keyOf(ids));
    if (u === undefined) throw new Error(`unit ${keyOf(ids)} not in the design (the source changed?)`);
    return u;
  };
  const j0 = 1 + S;
  const Z = new Float64Array(nUnits * L);
  if (cal.method !== "linear") {
    const cells = cal.cells.length;
    const nCell = new Float64Array(cells);
    for (let r = 0; r < q.rows; r++) nCell[C[j0]![r] as number]! += C[j0 + 1]![r] as number;
    // M = the sweeps applied to the identity, a block of columns at a time (the map is linear
    // and works column by column: the same numbers, with a turn for the server in between)
    const M = new Float64Array(cells * L);
    const BLOCK = 8;
    for (let j0 = 0; j0 < L; j0 += BLOCK) {
      const w = Math.min(BLOCK, L - j0);
      const unit = new Float64Array(L * w);
      for (let j = 0; j < w; j++) unit[(j0 + j) * w + j] = 1;
      const h = rakeSweeps(cal, nCell, unit, w);
      for (let c = 0; c < cells; c++) for (let j = 0; j < w; j++) M[c * L + j0 + j] = h[c * w + j]!;
      await turn();
    }
    for (let r = 0; r < q.rows; r++) {
      const u = unitOf(r) * L;
      const c = (C[j0]![r] as number) * L;
      const wp = C[j0 + 2]![r] as number;
      for (let j = 0; j < L; j++) Z[u + j]! += wp * M[c + j]!;
    }
  } else {
    // Z_u = (X'WX)⁻¹ x_u, x_u the unit's Σ w_cal·X
    const inverse = Array.from({ length: L }, (_, j) =>
      solve(
        cal.gram,
        Array.from({ length: L }, (_, l) => (l === j ? 1 : 0)),
      ),
    );
    for (let r = 0; r < q.rows; r++) {
      const u = unitOf(r) * L;
      for (let l = 0; l < L; l++) {
        const x = (C[j0 + l]![r] as number | null) ?? 0;
        for (let j = 0; j < L; j++) Z[u + j]! += inverse[l]![j]! * x;
      }
    }
  }

  await turn();
  const members: number[][] = structure.strata.map(() => []);
  for (let u = 0; u < nUnits; u++) members[stratumOfUnit(design, u)]!.push(u);
  const unitsOfStratum = members.map((m) => Int32Array.from(m));
  // K = Z'VZ: the variance of the L columns of Z as unit totals. Levels that never meet in a
  // stratum (margins crossed with the wave: each wave's levels and strata are its own) have
  // K = 0 between them exactly: V is block-diagonal by stratum, and a stratum whose units are
  // all 0 on a level adds nothing to its covariances, centred or not. So the levels are grouped
  // by the strata they meet in, and only the covariances within a group are summed.
  const { order, ends } = levelGroups(Z, L, unitsOfStratum);
  const totals = new Map<number, Float64Array>();
  const permuted = new Float64Array(nUnits * L);
  for (let u = 0; u < nUnits; u++) {
    const row = permuted.subarray(u * L, (u + 1) * L);
    for (let a = 0; a < L; a++) row[a] = Z[u * L + order[a]!]!;
    totals.set(u, row);
  }
  const v = multistageVariance(
    structure,
    null,
    { totals, k: L },
    design.spec.lonelyPsu,
    null,
    null,
    null,
    false,
    ends,
  );
  const K = new Float64Array(L * L);
  for (let a = 0; a < L; a++)
    for (let b = a; b < ends[a]!; b++) {
      K[order[a]! * L + order[b]!] = v[a]![b]!;
      K[order[b]! * L + order[a]!] = v[a]![b]!;
    }
  return { size: L, offsets, Z, K, unitsOfStratum };
}

/**
 * The levels grouped by the strata they meet in (union-find: two levels with a nonzero Z in
 * units of one stratum are in one group): `order` lists the levels group by group, `ends[a]`
 * is the end (exclusive) of the group of the level at position a (multistageVariance's blocks).
 */
function levelGroups(
  Z: Float64Array,
  L: number,
  unitsOfStratum: Int32Array[],
): { order: Int32Array; ends: Int32Array } {
  const parent = Int32Array.from({ length: L }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const seen = new Uint8Array(L);
  for (const units of unitsOfStratum) {
    seen.fill(0);
    let first = -1;
    for (const u of units)
      for (let j = 0; j < L; j++)
        if (Z[u * L + j] !== 0 && !seen[j]) {
          seen[j] = 1;
          if (first < 0) first = j;
          else parent[find(j)] = find(first);
        }
  }
  const groupOf = Int32Array.from({ length: L }, (_, i) => find(i));
  const order = Int32Array.from({ length: L }, (_, i) => i).sort(
    (a, b) => groupOf[a]! - groupOf[b]! || a - b,
  );
  const ends = new Int32Array(L);
  for (let start = 0, a = 1; a <= L; a++) {
    if (a < L && groupOf[order[a]!] === groupOf[order[start]!]) continue;
    ends.fill(a, start, a);
    start = a;
  }
  return { order, ends };
}

/** Each step takes a while on a large design: a server running this answers requests in between. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function stratumOfUnit(design: TaylorDesign, unit: number): number {
  const stages = design.structure.stages;
  let u = unit;
  for (let s = design.unitExprs.length - 1; s >= 1; s--) u = stages[s]![u]!.parent;
  return stages[0]![u]!.parent;
}
