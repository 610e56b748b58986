import { relationSql } from "../sql.ts";
import { surveyDesign } from "../surveyDesign.ts";
import type { TaylorDesign } from "../types.ts";

let copies = 0;

/**
 * The same unclustered design with every row made its own PSU: the source is copied once into
 * a temporary table with a row number `__bm_row` (the connection's, dropped with it), and the
 * design declared again with `ids: ["__bm_row"]`. For an unclustered design the variance is the
 * same (R treats each row as a PSU); replicate builders that need PSU ids (JKn) can then use them.
 *
 * Limits: uncalibrated designs (calibrate the replicate design instead).
 */
export async function rowsAsClusters(design: TaylorDesign): Promise<TaylorDesign> {
  if (design.unitExprs.length) return design;
  if (design.calibration) throw new Error("build replicates of an unclustered design before calibrating it");
  const table = `__bm_rows_${process.pid}_${++copies}`;
  await design.session.run(
    `create or replace temp table "${table}" as select *, row_number() over () as "__bm_row" from ${relationSql(design.spec.source)}`,
  );
  return surveyDesign(design.session, {
    ...design.spec,
    source: table,
    ids: ["__bm_row"],
    pps: design.spec.pps,
  });
}
