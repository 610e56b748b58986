import type { Session } from "../db/Database.ts";

/**
 * Check that `expression` is exactly one SQL expression over the columns of `relation`, with no
 * statement separator, subquery, table function or window: DuckDB's own parser
 * (`json_serialize_sql`) must read `select (<expression>)` as one SELECT with one select item
 * and no FROM; then `select (<expression>)::boolean from relation limit 0` must bind.
 * Throws a plain Error saying what is wrong.
 */
export async function checkBooleanExpression(
  session: Session,
  relation: string,
  expression: string,
): Promise<void> {
  if (expression.includes(";")) throw new Error("the expression must not contain ';'");
  if (!expression.trim()) throw new Error("the expression is empty");
  const rows = await session.query<{ j: string }>("select json_serialize_sql($1::varchar) as j", [
    `select (${expression})`,
  ]);
  const parsed = JSON.parse(rows[0]!.j) as {
    error: boolean;
    error_message?: string;
    statements?: { node: { type: string; select_list: unknown[]; from_table: { type: string } } }[];
  };
  if (parsed.error) throw new Error(`not a valid SQL expression: ${parsed.error_message ?? "parse error"}`);
  const statements = parsed.statements ?? [];
  const node = statements[0]?.node;
  if (
    statements.length !== 1 ||
    !node ||
    node.type !== "SELECT_NODE" ||
    node.select_list.length !== 1 ||
    node.from_table.type !== "EMPTY"
  ) {
    throw new Error("give exactly one expression (no statements, FROM clauses or lists)");
  }
  const text = JSON.stringify(node.select_list[0]);
  for (const bad of ['"SUBQUERY"', '"WINDOW_', '"TABLE_FUNCTION"', '"BASE_TABLE"']) {
    if (text.includes(bad))
      throw new Error(
        `the expression may not contain a ${bad.replaceAll('"', "").toLowerCase()} (one expression over the columns only)`,
      );
  }
  try {
    await session.query(`select (${expression})::boolean from ${relation} limit 0`);
  } catch (error) {
    throw new Error(`the expression does not apply to the data as a boolean: ${(error as Error).message}`);
  }
}
