/** The bound values a statement uses: DuckDB refuses values for parameters it does not have. */
export function usedParams(
  params: Record<string, string | number>,
  ...sql: string[]
): Record<string, string | number> {
  const used = new Set(sql.flatMap((text) => [...text.matchAll(/\$(\w+)/g)].map((m) => m[1]!)));
  return Object.fromEntries(Object.entries(params).filter(([k]) => used.has(k)));
}
