import type { Calibration } from "../types.ts";

type Raking = Extract<Calibration, { method: "poststratify" | "rake" }>;

/** Where each margin's levels start in the vector of all margins' levels (and its length, last). */
export function levelOffsets(cal: Raking): number[] {
  const offsets = [0];
  for (const m of cal.margins) offsets.push(offsets[offsets.length - 1]! + m.levels.length);
  return offsets;
}

/**
 * R's residualization of scores against raking margins (survey 4.1 `svyrecvar` with
 * `postStrata` from `rake`): exactly 10 sweeps over the margins of z ← z − w_m·ave_m(z/w_m),
 * `ave` an unweighted mean within the margin's level, w_m the weights after that margin's step
 * in the last raking pass (whatever the convergence). Written per cell: the residual of a row is
 * its score minus w_prev·h(cell), and h depends on the scores only through
 * F0_m(level) = Σ_{cells in level} S(cell)/G_m(cell), S the cell sums of score·w_prev/w.
 *
 * `F0` holds `width` columns (row-major, one row per margin level, margins in order, see
 * `levelOffsets`); the result holds h, one row per cell, for each column. The map F0 → h is
 * linear, so it is applied to many scores at once, or to unit vectors to tabulate it.
 *
 * Every step adds to a cell w_m(cell) times a number of its level, so h(cell) =
 * Σ_m G_m(cell)·A_m(level of the cell in m), A the levels' steps summed over the sweeps; given
 * `coefficients` (laid out as F0, zeroed), A is added there.
 */
export function rakeSweeps(
  cal: Raking,
  nCell: Float64Array,
  F0: Float64Array,
  width: number,
  coefficients: Float64Array | null = null,
): Float64Array {
  const cells = cal.cells.length;
  const offsets = levelOffsets(cal);
  const h = new Float64Array(cells * width);
  const Nm = cal.margins.map((m) => {
    const nn = new Float64Array(m.levels.length);
    for (let c = 0; c < cells; c++) nn[m.levelOfCell[c]!]! += nCell[c]!;
    return nn;
  });
  for (let sweep = 0; sweep < 10; sweep++) {
    cal.margins.forEach((m, mi) => {
      const G = cal.stepFactor[mi]!;
      const level = m.levelOfCell;
      const ave = new Float64Array(m.levels.length * width);
      for (let c = 0; c < cells; c++) {
        const g = level[c]! * width;
        const nG = nCell[c]! / G[c]!;
        if (nG === 0) continue;
        for (let i = 0; i < width; i++) ave[g + i]! += nG * h[c * width + i]!;
      }
      const off = offsets[mi]! * width;
      const N = Nm[mi]!;
      for (let g = 0; g < m.levels.length; g++) {
        const Ng = N[g]!;
        for (let i = 0; i < width; i++) {
          const at = g * width + i;
          ave[at] = Ng > 0 ? (F0[off + at]! - ave[at]!) / Ng : 0;
          if (coefficients) coefficients[off + at]! += ave[at]!;
        }
      }
      for (let c = 0; c < cells; c++) {
        const g = level[c]! * width;
        const Gc = G[c]!;
        for (let i = 0; i < width; i++) h[c * width + i]! += ave[g + i]! * Gc;
      }
    });
  }
  return h;
}
