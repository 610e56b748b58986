import { DuckDBDoubleVector, type DuckDBValue, JSDuckDBValueConverter } from "@duckdb/node-api";
import type { Session } from "../db/Database.ts";
import { quoteIdent } from "../db/quoteIdent.ts";
import { timeSlicer } from "../db/timeSlicer.ts";

/** A relation given by the caller: a parenthesised subquery is used as is, a name is quoted. */
export function relationSql(source: string): string {
  const s = source.trim();
  if (s.startsWith("(")) return s;
  return quoteIdent(s);
}

/** Column expression over the design relation. */
export function col(name: string): string {
  return quoteIdent(name);
}

/**
 * `column in (values)` over the design relation, with its parameters named `$<prefix><i>`
 * ("false" for no values): the rows of some domains (EstimateOptions.only).
 */
export function inValues(
  column: string,
  values: readonly (string | number)[],
  prefix: string,
): { sql: string; params: Record<string, DuckDBValue> } {
  const params = Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, v as DuckDBValue]));
  const sql = values.length
    ? `(${col(column)} in (${values.map((_, i) => `$${prefix}${i}`).join(", ")}))`
    : "false";
  return { sql, params };
}

/** Run a query and return its columns as JS arrays (bigints within range become numbers). */
export async function queryColumns(
  session: Session,
  sql: string,
  params: Record<string, DuckDBValue> = {},
): Promise<{ names: string[]; columns: unknown[][]; rows: number }> {
  const result = await session.connection.run(sql, params);
  const names = result.columnNames();
  const columns: unknown[][] = names.map(() => []);
  // a chunk at a time, letting a server answer requests in between
  const slice = timeSlicer();
  for (let ci = 0; ci < result.chunkCount; ci++) {
    await slice();
    const chunk = result.getChunk(ci);
    for (let j = 0; j < names.length; j++)
      for (const v of chunk.convertColumnValues(j, JSDuckDBValueConverter)) columns[j]!.push(plain(v));
  }
  return { names, columns, rows: columns[0]?.length ?? 0 };
}

/**
 * Run a query whose columns from `numericFrom` on are DOUBLE and never null (coalesce and cast
 * them in the SQL): those come back as Float64Arrays copied from DuckDB's vectors, without a JS
 * value per cell; the columns before are converted as `queryColumns` does. For wide aggregates.
 */
export async function queryNumericColumns(
  session: Session,
  sql: string,
  params: Record<string, DuckDBValue>,
  numericFrom: number,
): Promise<{ columns: unknown[][]; numbers: Float64Array[]; rows: number }> {
  const result = await session.connection.run(sql, params);
  const rows = result.rowCount;
  const width = result.columnCount;
  const columns: unknown[][] = Array.from({ length: numericFrom }, () => []);
  const numbers = Array.from({ length: width - numericFrom }, () => new Float64Array(rows));
  let at = 0;
  const slice = timeSlicer();
  for (let ci = 0; ci < result.chunkCount; ci++) {
    await slice();
    const chunk = result.getChunk(ci);
    const n = chunk.rowCount;
    for (let j = 0; j < numericFrom; j++) {
      for (const v of chunk.convertColumnValues(j, JSDuckDBValueConverter)) columns[j]!.push(plain(v));
    }
    for (let j = numericFrom; j < width; j++) {
      if ((j & 63) === 63) await slice();
      const vector = chunk.getColumnVector(j);
      if (!(vector instanceof DuckDBDoubleVector))
        throw new Error(`column ${j + 1} of a numeric query is not DOUBLE`);
      const out = numbers[j - numericFrom]!;
      // the vector's own Float64Array when it has one (every value valid: the SQL coalesces)
      const items = (vector as unknown as { items?: unknown }).items;
      if (items instanceof Float64Array && items.length === n) out.set(items, at);
      else for (let i = 0; i < n; i++) out[at + i] = vector.getItem(i) ?? 0;
    }
    at += n;
  }
  return { columns, numbers, rows };
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** Column names of a relation, in order. */
export async function columnsOf(
  session: Session,
  relation: string,
  params: Record<string, DuckDBValue> = {},
): Promise<string[]> {
  const reader = await session.connection.runAndReadAll(
    `select * from ${relation} as __bm_src limit 0`,
    params,
  );
  return reader.columnNames();
}
