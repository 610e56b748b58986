import type { Calibration } from "../types.ts";

/** Design-level sums over all rows: per (unit, cell) Σ w_prev, or per unit Σ w_cal·X. */
export interface CellSums {
  units: number[];
  cells: number[];
  values: number[];
  nCell: Float64Array;
  wprevCell: Float64Array;
  px: Float64Array[];
}

/** Per item: cell sums of the score divided by the pre-calibration factor (S), of the score (Sw), or X-moments (Fg). */
export interface ItemCalibrationSums {
  S: Float64Array;
  Sw: Float64Array;
  Fg: number[];
}

/**
 * Replace the unit totals of k scores by those of their calibration residuals, as R's
 * `svyrecvar` does with `design$postStrata`:
 * - post-stratification: z − w·(Σ_g z·w_old/w)/Σ_g w_old (residuals from cell means weighted by
 *   the pre-calibration weights);
 * - raking: exactly 10 sweeps over the margins of z ← z − w_m·ave_m(z/w_m), `ave` an
 *   unweighted mean within the margin's category and w_m the weights after that margin's step in
 *   the last raking pass (R's loop `for (iterations in 1:10)`, whatever the convergence);
 * - linear (GREG): z − w_cal·X β, β the regression of z/g on X with the design weights.
 * The residual of a row is its score minus w_prev·H(cell) (or w_cal·X'β), so unit totals change
 * by Σ_cell H(cell)·Σ_unit∩cell w_prev, computed from the design-level sums.
 */
export function calibrationCorrection(
  cal: Calibration,
  sums: CellSums,
  items: ItemCalibrationSums[],
  totals: Map<number, Float64Array>,
  k: number,
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
    const betas = items.map((it) => solve(cal.gram, it.Fg));
    sums.units.forEach((u, r) => {
      const t = add(u);
      const px = sums.px[r]!;
      for (let i = 0; i < k; i++) {
        let v = 0;
        for (let j = 0; j < px.length; j++) v += betas[i]![j]! * px[j]!;
        t[i]! -= v;
      }
    });
    return;
  }
  const cells = cal.cells.length;
  const H = items.map((it) => {
    const h = new Float64Array(cells);
    if (cal.method === "poststratify") {
      for (let c = 0; c < cells; c++) h[c] = sums.wprevCell[c]! > 0 ? it.Sw[c]! / sums.wprevCell[c]! : 0;
      return h;
    }
    const margins = cal.margins;
    const F0 = margins.map((m, mi) => {
      const f = new Float64Array(m.levels.length);
      for (let c = 0; c < cells; c++) f[m.levelOfCell[c]!]! += it.S[c]! / cal.stepFactor[mi]![c]!;
      return f;
    });
    const Nm = margins.map((m) => {
      const nn = new Float64Array(m.levels.length);
      for (let c = 0; c < cells; c++) nn[m.levelOfCell[c]!]! += sums.nCell[c]!;
      return nn;
    });
    for (let sweep = 0; sweep < 10; sweep++) {
      margins.forEach((m, mi) => {
        const G = cal.stepFactor[mi]!;
        const acc = new Float64Array(m.levels.length);
        for (let c = 0; c < cells; c++) acc[m.levelOfCell[c]!]! += (sums.nCell[c]! * h[c]!) / G[c]!;
        const ave = acc.map((a, g) => (Nm[mi]![g]! > 0 ? (F0[mi]![g]! - a) / Nm[mi]![g]! : 0));
        for (let c = 0; c < cells; c++) h[c]! += ave[m.levelOfCell[c]!]! * G[c]!;
      });
    }
    return h;
  });
  sums.units.forEach((u, r) => {
    const t = add(u);
    const c = sums.cells[r]!;
    const wp = sums.values[r]!;
    for (let i = 0; i < k; i++) t[i]! -= H[i]![c]! * wp;
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
