import { quoteIdent } from "../db/index.ts";
import type { TaylorDesign } from "./types.ts";

/**
 * The same design over a temporary table of its rows: a calibrated design's relation is a query
 * (the source, its calibration cells and factors), read again by every estimate; the table is
 * made once. The session's table `table` (replaced if it exists) lives as long as the session's
 * connection; the rows, their order and the design's structure stay as they are.
 *
 * Example: const design = await materializedDesign(await rake(base, margins), "__bm_calibrated");
 */
export async function materializedDesign(design: TaylorDesign, table: string): Promise<TaylorDesign> {
  await design.session.run(
    `create or replace temp table ${quoteIdent(table)} as select * from ${design.relation}`,
    design.params,
  );
  return { ...design, relation: quoteIdent(table), params: {} };
}
