/**
 * Small-sample moments of the arcsine-square-root direct estimate of a rate: for p̂ = K / n with
 * K ~ Binomial(n, p), the mean and variance of asin √p̂. The textbook 1 / (4n) is their limit for
 * large n; with 1–10 respondents it is far off (at p = 0.5, n = 3 the variance is 0.176, not
 * 0.083, because p̂ = 0 and 1 map to 0 and π/2), and E[asin √p̂] is pulled away from asin √p
 * (−0.05 at p = 0.3, n = 5). A Fay–Herriot model fed 1 / (4n) puts the missing sampling
 * variance into the village effect's variance. A non-integer n (a Kish effective size) is
 * interpolated linearly between the neighbouring whole sizes; n < 1 counts as 1.
 *
 * @example arcsinSamplingMoments(3, 0.5) // { mean: 0.7854, variance: 0.1759 }
 */
export function arcsinSamplingMoments(n: number, p: number): { mean: number; variance: number } {
  const size = Math.max(n, 1);
  const lo = Math.floor(size);
  const a = binomialArcsin(lo, p);
  if (size === lo) return a;
  const b = binomialArcsin(lo + 1, p);
  const f = size - lo;
  // interpolate the first two raw moments, then the variance from them
  const m = (1 - f) * a.mean + f * b.mean;
  const m2 = (1 - f) * (a.variance + a.mean ** 2) + f * (b.variance + b.mean ** 2);
  return { mean: m, variance: Math.max(m2 - m * m, 0) };
}

function binomialArcsin(n: number, p: number): { mean: number; variance: number } {
  if (p <= 0) return { mean: 0, variance: 0 };
  if (p >= 1) return { mean: Math.PI / 2, variance: 0 };
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logChoose = 0;
  let m = 0;
  let m2 = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logChoose += Math.log((n - k + 1) / k);
    const w = Math.exp(logChoose + k * lp + (n - k) * lq);
    const t = Math.asin(Math.sqrt(k / n));
    m += w * t;
    m2 += w * t * t;
  }
  return { mean: m, variance: Math.max(m2 - m * m, 0) };
}
