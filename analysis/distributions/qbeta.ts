import { incompleteBeta } from "./qt.ts";

/**
 * Beta quantile, R's `qbeta(p, a, b)`: the x in [0, 1] with I_x(a, b) = p, by bisection on the
 * regularized incomplete beta (Lentz's continued fraction, shared with `qt`) to the last bit.
 * `a = 0` gives 0 and `b = 0` gives 1, as R (a point mass).
 *
 * @example qbeta(0.025, 10, 5) // 0.4190, as R
 */
export function qbeta(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1) || !(a >= 0) || !(b >= 0)) return Number.NaN;
  if (a === 0) return 0;
  if (b === 0 || !Number.isFinite(a + b)) return b === 0 ? 1 : Number.NaN;
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
