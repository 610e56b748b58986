/**
 * Quote an SQL identifier (table or column name from configuration) for DuckDB.
 * The one place identifiers enter SQL text; values are always bound parameters.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error("empty SQL identifier");
  if (name.includes("\u0000")) throw new Error(`SQL identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}
