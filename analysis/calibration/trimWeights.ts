import { queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import type { CalibratedDesign } from "./types.ts";
import { weightingDiagnostics } from "./weightingDiagnostics.ts";

/**
 * Trim weights to [lower, upper] and share the trimmed amount equally among the untrimmed
 * weights, as R's `trimWeights(design, upper, lower, strict)`: the total is kept; with
 * `strict` it repeats until no weight is outside (redistribution can push some above `upper`).
 * A calibrated design keeps its calibration for the variance, as in R (its margins then hold
 * only approximately; re-rake if they must be exact).
 *
 * @example
 * const trimmed = await trimWeights(raked, { upper: 5 * meanWeight });
 */
export async function trimWeights(
  design: TaylorDesign,
  bounds: { lower?: number; upper?: number; strict?: boolean },
): Promise<CalibratedDesign> {
  const lower = bounds.lower ?? Number.NEGATIVE_INFINITY;
  const upper = bounds.upper ?? Number.POSITIVE_INFINITY;
  if (!(lower <= upper)) throw new Error(`trimWeights: lower (${lower}) is above upper (${upper})`);
  let current = design;
  for (let pass = 0; pass < 100; pass++) {
    const params = { ...current.params, trim_lo: lower, trim_hi: upper };
    const q = await queryColumns(
      current.session,
      `select count(*) filter (where w < $trim_lo or w > $trim_hi), count(*) filter (where not (w < $trim_lo or w > $trim_hi)),
        sum(case when w < $trim_lo then w - $trim_lo when w > $trim_hi then w - $trim_hi else 0 end)
       from (select "__bm_w" as w from ${current.relation})`,
      params,
    );
    const outside = q.columns[0]![0] as number;
    const inside = q.columns[1]![0] as number;
    if (outside === 0) break;
    if (inside === 0) throw new Error("trimWeights: every weight is outside the bounds");
    const delta = (q.columns[2]![0] as number) / inside;
    const name = `trim${current.steps.length}`;
    const p = { ...current.params, [`${name}_lo`]: lower, [`${name}_hi`]: upper, [`${name}_d`]: delta };
    const w = `__bm_p."__bm_w"`;
    const expr = `case when ${w} < $${name}_lo then $${name}_lo when ${w} > $${name}_hi then $${name}_hi else ${w} + $${name}_d end`;
    current = {
      ...current,
      relation: `(select __bm_p.* replace (${expr} as "__bm_w") from ${current.relation} as __bm_p)`,
      params: p,
      steps: [...current.steps, "trim"],
    };
    if (!bounds.strict) break;
  }
  return {
    ...current,
    diagnostics: {
      method: "trim",
      iterations: 1,
      worstError: 0,
      weights: await weightingDiagnostics(current),
    },
  };
}
