import { incompleteBeta, lgamma } from "./qt.ts";

/**
 * Upper tail of the F distribution, R's `pf(x, df1, df2, lower.tail = FALSE)`:
 * I_{df2/(df2 + df1·x)}(df2/2, df1/2), computed directly (no 1 − lower tail), so small p-values
 * keep their relative precision. `df2 = Infinity` is the χ²(df1)/df1 tail.
 *
 * @example pfUpper(3.2, 2, 40) // 0.0514, as R
 */
export function pfUpper(x: number, df1: number, df2: number): number {
  if (!(x > 0)) return 1;
  if (!Number.isFinite(df2)) return 1 - incompleteGammaLower(df1 / 2, (df1 * x) / 2);
  return incompleteBeta(df2 / (df2 + df1 * x), df2 / 2, df1 / 2);
}

/** Regularized lower incomplete gamma P(a, x) by its series (for the χ² limit only). */
function incompleteGammaLower(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 100000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
}
