export type BenchmarkType = "ratio" | "raking";

/**
 * Benchmarking of small-area estimates to a higher-level figure, as R emdi's `benchmark()`:
 * within each group g, Σ shareᵢ θ̃ᵢ = targetₘ exactly.
 * - `raking`: θ̃ᵢ = θ̂ᵢ + (target − Σ shareⱼ θ̂ⱼ) (an equal shift);
 * - `ratio`: θ̃ᵢ = θ̂ᵢ · target / Σ shareⱼ θ̂ⱼ.
 * `share` are the population shares of the areas within their group (each group's shares sum to
 * 1 for the benchmarked figures to aggregate to the target). Areas with a null estimate stay null.
 *
 * @example benchmark([1, 3], [0.5, 0.5], "raking", [0, 0], [2.5]) // [1.5, 3.5]
 */
export function benchmark(
  estimate: readonly (number | null)[],
  share: readonly number[],
  type: BenchmarkType,
  group: readonly number[] = estimate.map(() => 0),
  target: readonly number[] = [],
): (number | null)[] {
  const sums = new Map<number, number>();
  estimate.forEach((e, i) => {
    if (e === null) return;
    sums.set(group[i]!, (sums.get(group[i]!) ?? 0) + share[i]! * e);
  });
  return estimate.map((e, i) => {
    if (e === null) return null;
    const g = group[i]!;
    const t = target[g];
    if (t === undefined || !Number.isFinite(t)) return e;
    const s = sums.get(g)!;
    return type === "raking" ? e + t - s : (e * t) / s;
  });
}
