import { quoteIdent } from "../db/index.ts";
import type { Codebook } from "../study/index.ts";
import { isCodeSql } from "./isCodeSql.ts";
import type { ColumnMapping } from "./mapColumns.ts";

export interface CodeProbe {
  item: string;
  /** Aggregate SQL over the cells as read: true when some cell, as read, is present and not a code. */
  sql: string;
}

/**
 * One probe per select_one column of the file whose codes are written plainly (no
 * surrounding spaces, none empty). A column whose probe stays false over the first rows is
 * taken to hold codes only, as read (most files): it lands as read, skipping the trim, the
 * label mapping and the code check, which are identities or passes on such a column; the
 * checks confirm it on every row (NOT_CLEAN in buildValidation). All probes run in one
 * aggregate.
 */
export function codeProbes(
  codebook: Codebook,
  mapping: ColumnMapping,
): { probes: CodeProbe[]; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const bind = (value: string) => {
    const name = `k${Object.keys(params).length}`;
    params[name] = value;
    return `$${name}`;
  };
  const probes: CodeProbe[] = [];
  for (const m of mapping.mapped) {
    const item = codebook.item(m.item);
    if (item?.type !== "select_one" || !item.list) continue;
    const codes = (codebook.choices.get(item.list) ?? []).map((c) => c.name);
    if (codes.length === 0 || codes.some((c) => c === "" || c.trim() !== c)) continue;
    const cell = quoteIdent(m.column);
    probes.push({
      item: m.item,
      sql: `coalesce(bool_or(${cell} is not null and not ${isCodeSql(cell, item.list, codes, bind)}), false)`,
    });
  }
  return { probes, params };
}
