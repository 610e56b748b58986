/**
 * Numerical rank of a matrix given by columns (modified Gram–Schmidt; a column counts when its
 * residual norm exceeds `tol` times its original norm, as R's `qr(x, tol = 1e-5)$rank`).
 */
export function matrixRank(columns: Float64Array[], tol = 1e-5): number {
  const basis: Float64Array[] = [];
  for (const c of columns) {
    const v = Float64Array.from(c);
    let norm0 = 0;
    for (let i = 0; i < v.length; i++) norm0 += v[i]! * v[i]!;
    norm0 = Math.sqrt(norm0);
    if (norm0 === 0) continue;
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < v.length; i++) d += v[i]! * b[i]!;
      for (let i = 0; i < v.length; i++) v[i]! -= d * b[i]!;
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm > tol * norm0) {
      for (let i = 0; i < v.length; i++) v[i]! /= norm;
      basis.push(v);
    }
  }
  return basis.length;
}
