/**
 * Minimise a smooth function of a few parameters by the Nelder–Mead simplex (Nelder & Mead
 * 1965, with the standard coefficients 1, 2, 0.5, 0.5 as in R's `optim(method = "Nelder-Mead")`).
 * Used for the one to three variance parameters of a mixed model, where it is robust and the
 * cost of a function value is a small Cholesky factorisation.
 *
 * Stops when the simplex is smaller than `xTolerance` in every coordinate and its function
 * values differ by less than `fTolerance`, or after `maxIterations`.
 *
 * @example nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]).x // ≈ [1, -2]
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; xTolerance?: number; fTolerance?: number; maxIterations?: number } = {},
): { x: number[]; value: number; iterations: number; converged: boolean } {
  const { step = 0.5, xTolerance = 1e-10, fTolerance = 1e-14, maxIterations = 5000 } = options;
  const d = start.length;
  let simplex = [start.slice()];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i] = (p[i] ?? 0) + (p[i] === 0 ? step : step * Math.max(1, Math.abs(p[i] ?? 0)));
    simplex.push(p);
  }
  let values = simplex.map(f);
  let iterations = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * ((b[i] ?? 0) - ai));
  for (; iterations < maxIterations; iterations++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i] as number[]);
    values = order.map(([v]) => v);
    const best = simplex[0] as number[];
    const size = Math.max(
      ...simplex.slice(1).map((p) => Math.max(...p.map((pi, i) => Math.abs(pi - (best[i] ?? 0))))),
    );
    if (size < xTolerance && (values[d] as number) - (values[0] as number) < fTolerance) {
      return { x: best, value: values[0] as number, iterations, converged: true };
    }
    const centroid = best.map((_, i) => simplex.slice(0, d).reduce((s, p) => s + (p[i] ?? 0), 0) / d);
    const worst = simplex[d] as number[];
    const reflected = combine(centroid, worst, -1);
    const fr = f(reflected);
    if (fr < (values[0] as number)) {
      const expanded = combine(centroid, worst, -2);
      const fe = f(expanded);
      if (fe < fr) [simplex[d], values[d]] = [expanded, fe];
      else [simplex[d], values[d]] = [reflected, fr];
    } else if (fr < (values[d - 1] as number)) {
      [simplex[d], values[d]] = [reflected, fr];
    } else {
      const outside = fr < (values[d] as number);
      const contracted = combine(centroid, outside ? reflected : worst, 0.5);
      const fc = f(contracted);
      if (fc < (outside ? fr : (values[d] as number))) {
        [simplex[d], values[d]] = [contracted, fc];
      } else {
        for (let i = 1; i <= d; i++) {
          simplex[i] = combine(best, simplex[i] as number[], 0.5);
          values[i] = f(simplex[i] as number[]);
        }
      }
    }
  }
  const i = values.indexOf(Math.min(...values));
  return { x: simplex[i] as number[], value: values[i] as number, iterations, converged: false };
}
