import type { Calibration } from "../types.ts";
import { rakeSweeps } from "./rakeSweeps.ts";

/**
 * Design-level sums over all rows, one entry per aggregate row: its unit, and per cell
 * Σ w_prev (post-stratification, raking) or per calibration variable Σ w_cal·X (linear, `px`,
 * `p` values per entry).
 */
export interface CellSums {
  units: Int32Array;
  cells: Int32Array;
  values: Float64Array;
  nCell: Float64Array;
  wprevCell: Float64Array;
  px: Float64Array;
}

/**
 * Replace the unit totals of k scores by those of their calibration residuals, as R's
 * `svyrecvar` does with `design$postStrata`:
 * - post-stratification: z − w·(Σ_g z·w_old/w)/Σ_g w_old (residuals from cell means weighted by
 *   the pre-calibration weights); `F` holds per cell Σ score (cells x k);
 * - raking: R's 10 sweeps (`rakeSweeps`); `F` holds the margin-level sums F0 (levels x k);
 * - linear (GREG): z − w_cal·X β, β the regression of z/g on X with the design weights; `F`
 *   holds Σ score·x·g/w_prev per calibration variable (p x k).
 * The residual of a row is its score minus w_prev·H(cell) (or w_cal·X'β), so unit totals change
 * by Σ_cell H(cell)·Σ_unit∩cell w_prev, computed from the design-level sums. This is the direct
 * computation; `calibrationOperator` tabulates the same linear map once per design.
 */
export function calibrationCorrection(
  cal: Calibration,
  sums: CellSums,
  F: Float64Array,
  k: number,
  totals: Map<number, Float64Array>,
): void {
  const add = (u: number): Float64Array => {
    let t = totals.get(u);
    if (!t) {
      t = new Float64Array(k);
      totals.set(u, t);
    }
    return t;
  };
  if (cal.method === "linear") {
    const p = cal.columns.length;
    const betas = Array.from({ length: k }, (_, i) =>
      solve(
        cal.gram,
        Array.from({ length: p }, (_, j) => F[j * k + i]!),
      ),
    );
    sums.units.forEach((u, r) => {
      const t = add(u);
      for (let i = 0; i < k; i++) {
        let v = 0;
        for (let j = 0; j < p; j++) v += betas[i]![j]! * sums.px[r * p + j]!;
        t[i]! -= v;
      }
    });
    return;
  }
  let H: Float64Array;
  if (cal.method === "poststratify") {
    H = new Float64Array(F.length);
    for (let c = 0; c < cal.cells.length; c++) {
      const wp = sums.wprevCell[c]!;
      if (wp > 0) for (let i = 0; i < k; i++) H[c * k + i] = F[c * k + i]! / wp;
    }
  } else {
    H = rakeSweeps(cal, sums.nCell, F, k);
  }
  sums.units.forEach((u, r) => {
    const c = sums.cells[r]!;
    let zero = true;
    for (let i = 0; i < k && zero; i++) zero = H[c * k + i] === 0;
    // post-stratification leaves units outside the domain's cells alone: keep the totals sparse
    if (zero) return;
    const t = add(u);
    const wp = sums.values[r]!;
    for (let i = 0; i < k; i++) t[i]! -= H[c * k + i]! * wp;
  });
}

/** Solve A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-300) throw new Error("calibration variables are collinear (singular X'WX)");
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      if (f === 0) continue;
      for (let cc = c; cc <= n; cc++) M[r]![cc]! -= f * M[c]![cc]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}
