import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";

/**
 * Create or replace the view `relation` as `sql`. A table of that name (a model that used to
 * be materialized as a table) gives way to the view.
 */
export async function createView(session: Session, relation: string, sql: string): Promise<void> {
  const [table] = await session.query(
    "select 1 from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = $1",
    [relation],
  );
  if (table) await session.run(`drop table ${quoteIdent(relation)}`);
  await session.run(`create or replace view ${quoteIdent(relation)} as\n${sql}`);
}
