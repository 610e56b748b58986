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

/**
 * E and Var of asin √(K/n), K ~ Binomial(n, p): the probabilities from the mode outwards by their
 * ratios (P(k + 1) / P(k) = (n − k) p / ((k + 1) q)), each side until they fall below 1e-30 of the
 * mode's (the pmf only falls from there on; what is left out is below n·1e-30 of the total), then
 * normalized. O(√(npq)) terms rather than n + 1: a village of a million-respondent survey has
 * thousands of respondents.
 */
function binomialArcsin(n: number, p: number): { mean: number; variance: number } {
  if (p <= 0) return { mean: 0, variance: 0 };
  if (p >= 1) return { mean: Math.PI / 2, variance: 0 };
  const odds = p / (1 - p);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  let total = 0;
  let m = 0;
  let m2 = 0;
  const add = (k: number, w: number) => {
    const t = Math.asin(Math.sqrt(k / n));
    total += w;
    m += w * t;
    m2 += w * t * t;
  };
  add(mode, 1);
  for (let k = mode, w = 1; k < n; k++) {
    w *= ((n - k) / (k + 1)) * odds;
    if (w < 1e-30) break;
    add(k + 1, w);
  }
  for (let k = mode, w = 1; k > 0; k--) {
    w *= k / ((n - k + 1) * odds);
    if (w < 1e-30) break;
    add(k - 1, w);
  }
  const mean = m / total;
  return { mean, variance: Math.max(m2 / total - mean * mean, 0) };
}
