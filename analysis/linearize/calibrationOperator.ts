import type { DuckDBValue } from "@duckdb/node-api";
import { keyOf } from "../designStructure.ts";
import { inValues, queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import { operatorVarianceByMoments } from "./calibratedCovariance.ts";
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
  /**
   * Raking: Z in its factored form. Z_u = Σ_{cells c of u} wp_uc·M_c, and the sweeps' row of a
   * cell is M_c = Σ_m G_m(c)·R_{level_m(c)} (see rakeSweeps): R (L x L, row-major) maps a level
   * sum vector to the levels' summed steps. The unit's cells are `cellStart[u]..cellStart[u+1]`
   * of `cell` and `cellW`; `G` and `level` hold, margin by margin (cells each), G_m(c) and the
   * cell's level (an index into F). A domain's corrections D_u = Z_u·F then cost, per level
   * used, a row of R·F; per cell, one number per margin; per unit, k times its cells: with a
   * respondent per unit (Brewer over both stages) many units share a cell and a level. Null
   * for linear calibration.
   */
  cells: {
    R: Float64Array;
    margins: number;
    G: Float64Array;
    level: Int32Array;
    cellStart: Int32Array;
    cell: Int32Array;
    cellW: Float64Array;
    cellsOfStratum: Int32Array;
  } | null;
}

/**
 * Tabulating costs units·L² time and units·L memory: beyond these, the direct computation is used.
 * The direct computation costs every unit of the design for every domain (units·k per domain),
 * so with the hundreds of domains of a model run it is the slower by far: a million respondents
 * under Brewer over both stages (a unit each) and the demo's 60 raking levels a wave (6e7
 * entries, 480 MB; K about 4e9 multiply-adds, seconds) took 105 s for int_unit_estimates with
 * the operator, and had not finished after 15 minutes without it (1e7 entries was the limit).
 * 1e8 entries is 800 MB of Z, held while the design is in use.
 */
const MAX_SIZE = 2000;
const MAX_WORK = 2e10;
const MAX_ENTRIES = 1e8;

/** Per design: the whole operator (key "") and operators for the rows of some domains only. */
const cache = new WeakMap<TaylorDesign, Map<string, Promise<CalibrationOperator | null>>>();

/**
 * Designs that are another design with more columns on the same rows (`designWithColumns`): the
 * same units, weights and calibration cells, so the same operator, built once for both. With the
 * columns added, which the other design does not have.
 */
const sameRows = new WeakMap<TaylorDesign, { base: TaylorDesign; added: readonly string[] }>();

/** Say that `design` is `base` with `added` columns on each of its rows (see `sameRows`). */
export function shareOperator(design: TaylorDesign, base: TaylorDesign, added: readonly string[]): void {
  const root = sameRows.get(base);
  sameRows.set(design, root ? { base: root.base, added: [...root.added, ...added] } : { base, added });
}

/** Some domains' rows: those whose `column` holds one of `values` (EstimateOptions.only). */
export interface OperatorRows {
  column: string;
  values: (string | number)[];
}

/**
 * The design's operator (built at the first call, then cached on the design object), or null
 * when it does not apply: no calibration, post-stratification (already a cell-wise correction),
 * an unclustered design (every row a unit) or an operator too large to tabulate. With
 * `ifBuilt`, null too when it is not built yet: building costs about as much as L items of one
 * domain done directly, not worth it for a single domain.
 *
 * With `only` (raking), the operator serves only domains within those rows (the waves an upload
 * changed): where the rows' calibration cells share no margin level with the other rows' (margins
 * crossed with the wave), the sweeps never carry a correction between the two, so the rows' Z on
 * their own levels, and K between those levels, are exactly the whole operator's, and the other
 * rows' units have Z = 0 there. It is then built from those rows alone: their levels' columns, their
 * units (an upload to one of three waves: a third of the work). Where they do share a level, the
 * whole operator is built, as without `only`.
 */
export function calibrationOperator(
  given: TaylorDesign,
  options: { ifBuilt?: boolean; only?: OperatorRows } = {},
): Promise<CalibrationOperator | null> {
  // a design with more columns has its base design's operator (unless its rows are picked by one
  // of the columns added)
  const same = sameRows.get(given);
  const design = same && !(options.only && same.added.includes(options.only.column)) ? same.base : given;
  let ops = cache.get(design);
  if (!ops) {
    ops = new Map();
    cache.set(design, ops);
  }
  const whole = ops.get("");
  if (whole) return whole;
  const only = options.only && design.calibration?.method === "rake" ? options.only : undefined;
  const key = only ? JSON.stringify([only.column, [...new Set(only.values.map(String))].sort()]) : "";
  let op = ops.get(key);
  if (!op && options.ifBuilt) return Promise.resolve(null);
  if (!op) {
    // an operator of some rows that turn out to be all the rows is the whole operator: kept as such
    op = build(design, only, () => {
      if (!ops.has("")) ops.set("", op!);
    });
    ops.set(key, op);
    op.catch(() => ops.delete(key));
  }
  return op;
}

async function build(
  design: TaylorDesign,
  only: OperatorRows | undefined,
  isWhole: () => void,
): Promise<CalibrationOperator | null> {
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
  // only: the rows' own levels, when the other rows' cells use none of them (else the whole operator)
  let rows: { where: string; params: Record<string, DuckDBValue>; levels: Uint8Array } | null = null;
  if (only && cal.method !== "linear") {
    const { sql: inRows, params } = inValues(only.column, only.values, "__bm_oprow");
    const cells = await queryColumns(
      design.session,
      `select "__bm_cell", bool_or(coalesce(${inRows}, false)) from ${design.relation} group by all`,
      { ...design.params, ...params },
    );
    const inside = new Uint8Array(L);
    const outside = new Uint8Array(L);
    for (let r = 0; r < cells.rows; r++) {
      const c = cells.columns[0]![r] as number;
      const mark = cells.columns[1]![r] ? inside : outside;
      cal.margins.forEach((m, mi) => {
        mark[offsets[mi]! + m.levelOfCell[c]!] = 1;
      });
    }
    // a cell with rows on both sides is marked on both: shared levels, whole operator; so is
    // one with no rows outside (a first run: every wave changed)
    if (outside.includes(1) && !inside.some((v, l) => v === 1 && outside[l] === 1))
      rows = { where: ` where coalesce(${inRows}, false)`, params, levels: inside };
  }
  // built whole: kept as the design's whole operator, for every later caller too
  if (only && !rows) isWhole();
  const q = await queryColumns(
    design.session,
    `select ${groups.join(", ")}, ${aggs.join(", ")} from ${design.relation}${rows?.where ?? ""} group by all`,
    { ...design.params, ...rows?.params },
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
  let factored: Omit<NonNullable<CalibrationOperator["cells"]>, "cellsOfStratum"> | null = null;
  // the units with rows in the sums
  const seen = new Uint8Array(nUnits);
  for (let r = 0; r < q.rows; r++) seen[unitOf(r)] = 1;
  if (cal.method !== "linear") {
    const cells = cal.cells.length;
    const nCell = new Float64Array(cells);
    for (let r = 0; r < q.rows; r++) nCell[C[j0]![r] as number]! += C[j0 + 1]![r] as number;
    // M = the sweeps applied to the identity, a block of columns at a time (the map is linear
    // and works column by column: the same numbers, with a turn for the server in between)
    // only: the rows' own levels (the other columns of M are 0 on their cells)
    const used = rows
      ? Int32Array.from({ length: L }, (_, l) => l).filter((l) => rows.levels[l] === 1)
      : Int32Array.from({ length: L }, (_, l) => l);
    const M = new Float64Array(cells * L);
    const R = new Float64Array(L * L);
    const BLOCK = 8;
    for (let b0 = 0; b0 < used.length; b0 += BLOCK) {
      const w = Math.min(BLOCK, used.length - b0);
      const unit = new Float64Array(L * w);
      for (let j = 0; j < w; j++) unit[used[b0 + j]! * w + j] = 1;
      const A = new Float64Array(L * w);
      const h = rakeSweeps(cal, nCell, unit, w, A);
      for (let c = 0; c < cells; c++) for (let j = 0; j < w; j++) M[c * L + used[b0 + j]!] = h[c * w + j]!;
      for (let g = 0; g < L; g++) for (let j = 0; j < w; j++) R[g * L + used[b0 + j]!] = A[g * w + j]!;
      await turn();
    }
    const unitOfRow = new Int32Array(q.rows);
    const cellStart = new Int32Array(nUnits + 1);
    for (let r = 0; r < q.rows; r++) {
      const u = unitOf(r);
      unitOfRow[r] = u;
      cellStart[u + 1]!++;
      const c = (C[j0]![r] as number) * L;
      const wp = C[j0 + 2]![r] as number;
      for (const j of used) Z[u * L + j]! += wp * M[c + j]!;
    }
    // the units' cells, each with its weight (CSR by unit), and the margins' step factors and levels
    for (let u = 0; u < nUnits; u++) cellStart[u + 1]! += cellStart[u]!;
    const fill = cellStart.slice(0, nUnits);
    const cell = new Int32Array(q.rows);
    const cellW = new Float64Array(q.rows);
    for (let r = 0; r < q.rows; r++) {
      const at = fill[unitOfRow[r]!]!++;
      cell[at] = C[j0]![r] as number;
      cellW[at] = C[j0 + 2]![r] as number;
    }
    const margins = cal.margins.length;
    const G = new Float64Array(margins * cells);
    const level = new Int32Array(margins * cells);
    cal.margins.forEach((m, mi) => {
      for (let c = 0; c < cells; c++) {
        G[mi * cells + c] = cal.stepFactor[mi]![c]!;
        level[mi * cells + c] = offsets[mi]! + m.levelOfCell[c]!;
      }
    });
    factored = { R, margins, G, level, cellStart, cell, cellW };
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
  let cells: CalibrationOperator["cells"] = null;
  if (factored) {
    const cellsOfStratum = new Int32Array(unitsOfStratum.length);
    const mark = new Int32Array(factored.G.length / factored.margins).fill(-1);
    unitsOfStratum.forEach((units, h) => {
      for (const u of units)
        for (let e = factored.cellStart[u]!; e < factored.cellStart[u + 1]!; e++) {
          const c = factored.cell[e]!;
          if (mark[c] !== h) {
            mark[c] = h;
            cellsOfStratum[h]!++;
          }
        }
    });
    cells = { ...factored, cellsOfStratum };
  }
  // K = Z'VZ: the variance of the L columns of Z as unit totals. Levels that never meet in a
  // stratum (margins crossed with the wave: each wave's levels and strata are its own) have
  // K = 0 between them exactly: V is block-diagonal by stratum, and a stratum whose units are
  // all 0 on a level adds nothing to its covariances, centred or not. So the levels are grouped
  // by the strata they meet in, and only the covariances within a group are summed.
  const { order, ends } = levelGroups(Z, L, unitsOfStratum);
  const op: CalibrationOperator = { size: L, offsets, Z, K: new Float64Array(L * L), unitsOfStratum, cells };
  // unit by unit: Z's rows in the groups' order (Z itself when that is its order: one group,
  // margins that meet in every stratum; else a copy, as large as Z)
  const unitByUnit = (): number[][] => {
    const totals = new Map<number, Float64Array>();
    const inOrder = order.every((l, a) => l === a);
    const permuted = inOrder ? Z : new Float64Array(nUnits * L);
    for (let u = 0; u < nUnits; u++) {
      // only: the other rows' units have Z = 0 on every level used (absent from the sums, as 0)
      if (rows && !seen[u]) continue;
      const row = permuted.subarray(u * L, (u + 1) * L);
      if (!inOrder) for (let a = 0; a < L; a++) row[a] = Z[u * L + order[a]!]!;
      totals.set(u, row);
    }
    return multistageVariance(
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
  };
  // two stages with a cell per unit: from the (PSU, cell) entries instead (entries x L², not units x L²)
  const v = operatorVarianceByMoments(structure, design.spec.lonelyPsu, op, order, ends) ?? unitByUnit();
  for (let a = 0; a < L; a++)
    for (let b = a; b < ends[a]!; b++) {
      op.K[order[a]! * L + order[b]!] = v[a]![b]!;
      op.K[order[b]! * L + order[a]!] = v[a]![b]!;
    }
  return op;
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
