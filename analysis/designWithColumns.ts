import { quoteIdent } from "../db/index.ts";
import { shareOperator } from "./linearize/calibrationOperator.ts";
import type { TaylorDesign } from "./types.ts";

/**
 * The same design with more columns on each row: its relation left-joined to `table` on `key`,
 * which must be unique in `table` (so the rows, their order of groups and the design's
 * structure stay as they are). For variables built after the design was calibrated, such as
 * the themes coded from open answers; as R's `update(design, ...)`. The calibrated variance's
 * operator (`calibrationOperator`) is the design's own, not built again.
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
  const extended = {
    ...design,
    relation: `(select __d.*, ${extra} from ${design.relation} as __d left join ${quoteIdent(table)} as __x on ${on})`,
  };
  // the same rows, units, weights and calibration: the calibrated variance's operator is shared,
  // built once for both (tens of seconds for a million respondents)
  shareOperator(extended, design, columns);
  return extended;
}
