import { quoteIdent } from "../db/index.ts";
import type { TaylorDesign } from "./types.ts";

/**
 * The same design with more columns on each row: its relation left-joined to `table` on `key`,
 * which must be unique in `table` (so the rows, their order of groups and the design's
 * structure stay as they are). For variables built after the design was calibrated, such as
 * the themes coded from open answers; as R's `update(design, ...)`.
 *
 * Example: designWithColumns(design, "themes_wide", ["wave_id", "respondent_id"], ["op_un__childcare"])
 */
export function designWithColumns(
  design: TaylorDesign,
  table: string,
  key: readonly string[],
  columns: readonly string[],
): TaylorDesign {
  const on = key.map((k) => `__d.${quoteIdent(k)} = __x.${quoteIdent(k)}`).join(" and ");
  const extra = columns.map((c) => `__x.${quoteIdent(c)}`).join(", ");
  return {
    ...design,
    relation: `(select __d.*, ${extra} from ${design.relation} as __d left join ${quoteIdent(table)} as __x on ${on})`,
  };
}
