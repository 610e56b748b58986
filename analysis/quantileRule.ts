/**
 * R's `svyquantile` rule `qrule = "math"` over values sorted ascending with their weights: the
 * first value whose cumulative weight reaches p·Σw (R's `qs()`: pos = last(cumw <= p·W); an
 * exact hit gives x[pos], else x[pos + 1]). Returns the rule as a function of p.
 *
 * @example quantileRule([1, 2, 3], [1, 1, 1])(0.5) // 2
 */
export function quantileRule(xs: number[], ws: number[]): (p: number) => number {
  const cum = new Float64Array(xs.length);
  let acc = 0;
  ws.forEach((w, i) => {
    acc += w;
    cum[i] = acc;
  });
  // R's sum() accumulates in long double: a compensated (Neumaier) sum rounds the same way,
  // which decides ties such as cumw == p·Σw with equal weights
  let W = 0;
  let carry = 0;
  for (const w of ws) {
    const t = W + w;
    carry += Math.abs(W) >= Math.abs(w) ? W - t + w : w - t + W;
    W = t;
  }
  W += carry;
  return (p: number): number => {
    let pos = -1;
    for (let i = 0; i < cum.length; i++) if (cum[i]! <= p * W) pos = i;
    if (pos < 0) return xs[0]!;
    if (p - cum[pos]! / W === 0) return xs[pos]!;
    return xs[Math.min(pos + 1, xs.length - 1)]!;
  };
}
