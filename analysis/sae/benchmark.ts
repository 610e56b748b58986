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
  const values = Float64Array.from(estimate, (e) => (e === null ? Number.NaN : e));
  const groups = Int32Array.from(group);
  const sums = new Float64Array(Math.max(-1, ...groups) + 1);
  benchmarkInto(values, share, type, groups, target, values, sums);
  return estimate.map((e, i) => (e === null ? null : values[i]!));
}

/**
 * `benchmark` on arrays, into `out` (which may be `estimate`), with `sums` (one per group) as work
 * space; NaN marks an area without an estimate, `group` null puts every area in group 0. For a
 * bootstrap's every replicate: nothing allocated.
 */
export function benchmarkInto(
  estimate: Float64Array,
  share: ArrayLike<number>,
  type: BenchmarkType,
  group: Int32Array | null,
  target: ArrayLike<number>,
  out: Float64Array,
  sums: Float64Array,
): void {
  const n = estimate.length;
  sums.fill(0);
  for (let i = 0; i < n; i++) {
    const e = estimate[i]!;
    if (!Number.isNaN(e)) sums[group ? group[i]! : 0]! += share[i]! * e;
  }
  for (let i = 0; i < n; i++) {
    const e = estimate[i]!;
    const g = group ? group[i]! : 0;
    const t = g < target.length ? target[g]! : Number.NaN;
    if (Number.isNaN(e) || !Number.isFinite(t)) out[i] = e;
    else out[i] = type === "raking" ? e + t - sums[g]! : (e * t) / sums[g]!;
  }
}
