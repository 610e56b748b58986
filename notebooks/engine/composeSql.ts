import { quoteIdent } from "../../db/quoteIdent.ts";
import type { SqlBlock } from "./types.ts";

export interface ComposedSql {
  sql: string;
  /** Lines added before the block's own text (for mapping DuckDB's "LINE n" to the file). */
  offset: number;
}

/**
 * Make earlier SQL blocks readable by name: the blocks `sql` names (and the blocks those
 * name, in notebook order) are put in front of it as CTEs. The sandbox snapshot is read-only,
 * so results cannot be kept as tables; inlining re-runs them, which for queries over marts is
 * cheap, and keeps every query one statement that the sandbox checks. `relations` maps plain
 * relation names to the study's own (`index_scores` → `index_scores__needs_survey`): those are
 * put in front first, so a notebook for any study reads `index_scores`.
 */
export function composeSql(
  sql: string,
  names: readonly string[],
  earlier: ReadonlyMap<string, SqlBlock>,
  relations: ReadonlyMap<string, string> = new Map(),
): ComposedSql {
  const needed = new Set<string>();
  const visit = (direct: readonly string[]): void => {
    for (const name of direct) {
      const block = earlier.get(name);
      if (!block || needed.has(name)) continue;
      needed.add(name);
      visit(referencedNames(block.sql, earlier));
    }
  };
  visit(names);
  const own = stripSemicolons(sql);
  if (needed.size === 0 && relations.size === 0) return { sql: own, offset: 0 };
  // notebook order, so a block comes after the blocks it reads
  const ordered = [...earlier.keys()].filter((n) => needed.has(n));
  const ctes = [
    ...[...relations].map(([plain, table]) => `${quoteIdent(plain)} as (select * from ${quoteIdent(table)})`),
    ...ordered.map((n) => `${quoteIdent(n)} as (\n${stripSemicolons(earlier.get(n)!.sql)}\n)`),
  ].join(",\n");
  const leadingWith = /^\s*with\s+(?!recursive\b)/i.exec(own);
  const prefix = leadingWith ? `with ${ctes},\n` : `with ${ctes}\n`;
  const body = leadingWith ? own.slice(leadingWith[0].length) : own;
  return { sql: prefix + body, offset: prefix.split("\n").length - 1 };
}

/** Earlier blocks' names that appear as words in `sql` (a superset; composeSql only inlines known names). */
export function referencedNames(sql: string, earlier: ReadonlyMap<string, SqlBlock>): string[] {
  const bare = sql.replace(/--[^\n]*/g, " ").replace(/'(?:[^']|'')*'/g, "''");
  const words = new Set([...bare.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0].toLowerCase()));
  return [...earlier.keys()].filter((n) => words.has(n));
}

function stripSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, "");
}
