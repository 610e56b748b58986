import type { Session } from "../db/index.ts";

/**
 * A temp table of text columns, made anew with these rows through DuckDB's appender (values
 * never become SQL text).
 */
export async function tempTextTable(
  session: Session,
  table: string,
  columns: string[],
  rows: Iterable<string[]>,
): Promise<void> {
  await session.run(
    `create or replace temp table ${table} (${columns.map((c) => `${c} varchar`).join(", ")})`,
  );
  const appender = await session.connection.createAppender(table, "main", "temp");
  try {
    for (const row of rows) {
      for (const value of row) appender.appendVarchar(value);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}
