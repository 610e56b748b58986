/**
 * Replicate covariance of k statistics, R's `svrVar`: scale · Σ_r rscales_r (θ_r − θ̄)(θ_r − θ̄)',
 * θ̄ the mean of the replicates with rscales > 0, or the full-sample estimate when `mse`.
 * Replicates with a non-finite value are an error naming the count (R drops them with a warning).
 */
export function svrVar(
  thetas: Float64Array[],
  estimates: number[],
  scale: number,
  rscales: number[],
  mse: boolean,
): number[][] {
  const k = estimates.length;
  const R = rscales.length;
  const bad = thetas.filter((t) => t.some((v) => !Number.isFinite(v))).length;
  if (bad > 0) throw new Error(`${bad} replicate(s) gave no estimate (a domain empty in a replicate?)`);
  const centre = estimates.map((e, a) => {
    if (mse) return e;
    let s = 0;
    let n = 0;
    for (let r = 0; r < R; r++) {
      if (rscales[r]! > 0) {
        s += thetas[r]![a]!;
        n++;
      }
    }
    return s / n;
  });
  const out = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let r = 0; r < R; r++) {
    const t = thetas[r]!;
    for (let a = 0; a < k; a++) {
      const da = t[a]! - centre[a]!;
      for (let b = 0; b < k; b++) out[a]![b]! += rscales[r]! * da * (t[b]! - centre[b]!);
    }
  }
  for (const row of out) for (let b = 0; b < k; b++) row[b]! *= scale;
  return out;
}
