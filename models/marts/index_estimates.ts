import { quoteIdent } from "../../db/index.ts";
import { ESTIMATE_INPUTS, estimateIndexSets } from "../intermediate/indexEstimateSets.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export const dependsOn = ["int_unit_estimates", ...ESTIMATE_INPUTS];

/**
 * Every figure the reports use: the one-way demographic groups at district and township level
 * (estimated here, see `estimateIndexSets`), and the district, townships and villages of
 * int_unit_estimates beside them.
 */
export async function build(ctx: ModelContext): Promise<void> {
  await estimateIndexSets(ctx, "breakdowns", "index_estimates_inputs");
  await ctx.session.run(
    `insert into ${quoteIdent(ctx.self)} select * from ${quoteIdent(ctx.ref("int_unit_estimates"))}`,
  );
}
