/**
 * Hubert and Arabie's adjusted Rand index of two partitions of the same items (labels compared
 * for equality only): 1 for identical partitions, about 0 for independent ones. As
 * mclust::adjustedRandIndex in R.
 *
 * Example: adjustedRandIndex(["a", "a", "b"], [1, 1, 2]) === 1
 */
export function adjustedRandIndex(a: readonly unknown[], b: readonly unknown[]): number {
  if (a.length !== b.length) throw new Error("adjustedRandIndex: partitions of different lengths");
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const cells = new Map<string, number>();
  const rows = new Map<unknown, number>();
  const cols = new Map<unknown, number>();
  for (let i = 0; i < a.length; i++) {
    const key = JSON.stringify([a[i], b[i]]);
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  const index = [...cells.values()].reduce((s, n) => s + pairs(n), 0);
  const sumRows = [...rows.values()].reduce((s, n) => s + pairs(n), 0);
  const sumCols = [...cols.values()].reduce((s, n) => s + pairs(n), 0);
  const expected = (sumRows * sumCols) / pairs(a.length);
  const max = (sumRows + sumCols) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
