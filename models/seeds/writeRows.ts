import {
  DuckDBBooleanType,
  DuckDBDataChunk,
  DuckDBDoubleType,
  DuckDBIntegerType,
  type DuckDBType,
  DuckDBVarCharType,
} from "@duckdb/node-api";
import type { Session } from "../../db/index.ts";
import { inOneTurn, quoteIdent, timeSlicer } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export type ColumnType = "varchar" | "double" | "integer" | "boolean" | "varchar[]" | "double[]";

/**
 * Write rows (from study.yaml, or computed by a TypeScript model) into a new table. Scalar
 * columns go through DuckDB's appender; tables with list columns through bound JSON documents
 * of a few thousand rows each. Values never become SQL text.
 */
export async function writeRows(
  session: Session,
  table: string,
  columns: Record<string, ColumnType>,
  rows: Record<string, unknown>[],
  options: { temporary?: boolean } = {},
): Promise<void> {
  const names = Object.keys(columns);
  // a temporary table (this session's, dropped with it) for rows a model joins and drops
  const create = `create or replace ${options.temporary ? "temp " : ""}table`;
  const ddl = names.map((n) => `${quoteIdent(n)} ${columns[n]!.toUpperCase()}`).join(", ");
  if (names.some((n) => columns[n]!.endsWith("[]"))) {
    const select = names.map((n) => `r.${quoteIdent(n)}`).join(", ");
    await session.run(`${create} ${quoteIdent(table)} (${ddl})`);
    // a few thousand rows per statement: one document of every row takes long to bind
    for (let start = 0; start < rows.length; start += 2000) {
      await session.run(
        `insert into ${quoteIdent(table)}
         select ${select}
         from (select unnest(cast(json($rows) as struct(${ddl})[]), recursive := false) as r)`,
        { rows: JSON.stringify(rows.slice(start, start + 2000)) },
      );
    }
    return;
  }
  // the appender's rows go in with no other statement on the connection in between (the
  // models of a run share it: see db/takingTurns.ts)
  await inOneTurn(session, async () => {
    await session.run(`${create} ${quoteIdent(table)} (${ddl})`);
    await appendRows(session, table, columns, rows, options);
  });
}

async function appendRows(
  session: Session,
  table: string,
  columns: Record<string, ColumnType>,
  rows: Record<string, unknown>[],
  options: { temporary?: boolean },
): Promise<void> {
  const names = Object.keys(columns);
  const types = names.map((n) => CHUNK_TYPES[columns[n] as ScalarType]);
  const appender = await session.connection.createAppender(
    table,
    options.temporary ? "main" : null,
    options.temporary ? "temp" : null,
  );
  // tens of thousands of rows take a while: the server answers requests in between
  const slice = timeSlicer();
  try {
    // a data chunk of DuckDB's vector size at a time, filled column by column: a number column
    // goes in as one copy of its array (a value at a time, each a call into DuckDB, cost about
    // twice as much)
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      if (start > 0) await slice();
      const n = Math.min(CHUNK_ROWS, rows.length - start);
      const chunk = DuckDBDataChunk.create(types, n);
      for (let j = 0; j < names.length; j++) {
        const name = names[j]!;
        const vector = chunk.getColumnVector(j);
        const type = columns[name]!;
        for (let i = 0; i < n; i++) {
          const v = rows[start + i]![name];
          vector.setItem(
            i,
            v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))
              ? null
              : type === "double" || type === "integer"
                ? Number(v)
                : type === "boolean"
                  ? Boolean(v)
                  : String(v),
          );
        }
        vector.flush();
      }
      appender.appendDataChunk(chunk);
    }
  } finally {
    appender.closeSync();
  }
}

type ScalarType = Exclude<ColumnType, `${string}[]`>;
/** Rows per appended chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;
const CHUNK_TYPES: Record<ScalarType, DuckDBType> = {
  varchar: DuckDBVarCharType.instance,
  double: DuckDBDoubleType.instance,
  integer: DuckDBIntegerType.instance,
  boolean: DuckDBBooleanType.instance,
};

/** A seed model: a table of rows taken from study.yaml. */
export function seedModel(
  columns: Record<string, ColumnType>,
  rowsOf: (study: Study) => Record<string, unknown>[],
): { dependsOn: string[]; build: (ctx: ModelContext) => Promise<void> } {
  return {
    dependsOn: [],
    build: ({ session, study, self }) => writeRows(session, self, columns, rowsOf(study)),
  };
}
