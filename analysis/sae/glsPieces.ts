import { CholeskyDecomposition, Matrix } from "ml-matrix";

/**
 * Generalised least squares for the Fay–Herriot model at a given σ²ᵤ = A: with weights
 * wᵢ = 1 / (A + ψᵢ), Q = (X'WX)⁻¹, β̂ = Q X'W y and the residual r = y − Xβ̂. Also the traces
 * the score and the MSE need: tr(Q X'W²X), tr(Q X'W³X) and tr((Q X'W²X)²). V is diagonal, so
 * everything is O(m p²) (Rao & Molina 2015, section 6.1).
 */
export interface GlsPieces {
  w: Float64Array;
  q: Matrix;
  beta: number[];
  r: Float64Array;
  /** log det(X'WX) */
  logDetXtWX: number;
  trQXW2X: number;
  trQXW3X: number;
  trQXW2XSq: number;
}

export function glsPieces(a: number, y: ArrayLike<number>, d: ArrayLike<number>, x: Matrix): GlsPieces {
  const m = x.rows;
  const p = x.columns;
  const w = new Float64Array(m);
  for (let i = 0; i < m; i++) w[i] = 1 / (a + d[i]!);
  const xtwx = weightedCrossProduct(x, w, 1);
  const chol = new CholeskyDecomposition(xtwx);
  if (!chol.isPositiveDefinite()) {
    throw new Error(
      "glsPieces: X'V⁻¹X is singular: the covariates are collinear or there are fewer areas than covariates",
    );
  }
  const q = chol.solve(Matrix.eye(p));
  const lower = chol.lowerTriangularMatrix;
  let logDetXtWX = 0;
  for (let k = 0; k < p; k++) logDetXtWX += 2 * Math.log(lower.get(k, k));
  const xtwy = new Array<number>(p).fill(0);
  for (let i = 0; i < m; i++) {
    const wy = w[i]! * y[i]!;
    for (let k = 0; k < p; k++) xtwy[k]! += x.get(i, k) * wy;
  }
  const beta = q.mmul(Matrix.columnVector(xtwy)).getColumn(0);
  const r = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let fit = 0;
    for (let k = 0; k < p; k++) fit += x.get(i, k) * beta[k]!;
    r[i] = y[i]! - fit;
  }
  const qx2 = q.mmul(weightedCrossProduct(x, w, 2));
  const qx3 = q.mmul(weightedCrossProduct(x, w, 3));
  return {
    w,
    q,
    beta,
    r,
    logDetXtWX,
    trQXW2X: qx2.trace(),
    trQXW3X: qx3.trace(),
    trQXW2XSq: qx2.mmul(qx2).trace(),
  };
}

/** X' diag(w^power) X */
export function weightedCrossProduct(x: Matrix, w: ArrayLike<number>, power: number): Matrix {
  const p = x.columns;
  const out = new Matrix(p, p);
  for (let i = 0; i < x.rows; i++) {
    const wi = w[i]! ** power;
    for (let k = 0; k < p; k++) {
      const xk = x.get(i, k) * wi;
      for (let l = k; l < p; l++) out.set(k, l, out.get(k, l) + xk * x.get(i, l));
    }
  }
  for (let k = 0; k < p; k++) for (let l = 0; l < k; l++) out.set(k, l, out.get(l, k));
  return out;
}

/** x' Q x for one row of X. */
export function quadraticForm(q: Matrix, row: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < row.length; k++) {
    let t = 0;
    for (let l = 0; l < row.length; l++) t += q.get(k, l) * row[l]!;
    s += row[k]! * t;
  }
  return s;
}
