import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export type ColumnType = "varchar" | "double" | "integer" | "boolean" | "varchar[]" | "double[]";

/**
 * Write rows taken from study.yaml into a table: the seeds other models join to. Values
 * travel as one bound JSON document, never as SQL text.
 */
export async function writeRows(
  session: Session,
  table: string,
  columns: Record<string, ColumnType>,
  rows: Record<string, unknown>[],
): Promise<void> {
  const names = Object.keys(columns);
  const structType = names.map((n) => `${quoteIdent(n)} ${columns[n]!.toUpperCase()}`).join(", ");
  const select = names.map((n) => `r.${quoteIdent(n)}`).join(", ");
  await session.run(
    `create or replace table ${quoteIdent(table)} as
     select ${select}
     from (select unnest(cast(json($rows) as struct(${structType})[]), recursive := false) as r)`,
    { rows: JSON.stringify(rows) },
  );
  if (rows.length === 0) {
    // an empty seed still needs its columns
    await session.run(`create or replace table ${quoteIdent(table)} (${structType})`);
  }
}

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
