import type { DuckDBValue } from "@duckdb/node-api";
import type { Session } from "../db/Database.ts";
import { quoteIdent } from "../db/quoteIdent.ts";

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

/** Run a query and return its columns as JS arrays (bigints within range become numbers). */
export async function queryColumns(
  session: Session,
  sql: string,
  params: Record<string, DuckDBValue> = {},
): Promise<{ names: string[]; columns: unknown[][]; rows: number }> {
  const reader = await session.connection.runAndReadAll(sql, params);
  const names = reader.columnNames();
  const columns = reader.getColumnsJS().map((c) => c.map(plain));
  return { names, columns, rows: columns[0]?.length ?? 0 };
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
