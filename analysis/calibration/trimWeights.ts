import type { DuckDBValue } from "@duckdb/node-api";
import { col, queryColumns } from "../sql.ts";
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
 * With `relativeTo: { column }` the bounds are multiples of the mean weight within each group
 * of `column` (a wave, say), and the trimmed amount is shared within the group: each group's
 * total is kept, and trimming one wave never moves another's weights. That is R's
 * `trimWeights` run on each group's subset with that group's bounds. A group's mean does not
 * change as weights are trimmed (its total and count are kept), so the bounds are the same on
 * every pass.
 *
 * @example
 * const trimmed = await trimWeights(raked, { upper: 5 * meanWeight });
 * const perWave = await trimWeights(raked, { lower: 0.3, upper: 3.5, relativeTo: { column: "wave_id" } });
 */
export async function trimWeights(
  design: TaylorDesign,
  bounds: { lower?: number; upper?: number; strict?: boolean; relativeTo?: { column: string } },
): Promise<CalibratedDesign> {
  const lower = bounds.lower ?? Number.NEGATIVE_INFINITY;
  const upper = bounds.upper ?? Number.POSITIVE_INFINITY;
  if (!(lower <= upper)) throw new Error(`trimWeights: lower (${lower}) is above upper (${upper})`);
  const by = bounds.relativeTo?.column;
  // the groups and each one's bounds (one group of every row without `relativeTo`)
  const group = by ? `${col(by)}::varchar` : "''";
  const means = await queryColumns(
    design.session,
    `select ${group} as g, avg("__bm_w") from ${design.relation} group by 1 order by 1`,
    design.params,
  );
  const groups = (means.columns[0] as (string | null)[]).map((key, i) => {
    const mean = by ? (means.columns[1]![i] as number) : 1;
    return { key, lo: lower * mean, hi: upper * mean };
  });
  if (groups.some((g) => g.key === null))
    throw new Error(`trimWeights: ${by} is missing for some rows; every row needs its group`);
  // `case <group> when <key> then <value> ... end` of one value per group, bound as parameters
  const perGroup = (prefix: string, values: number[], params: Record<string, DuckDBValue>, row: string) => {
    if (!by) {
      params[`${prefix}0`] = values[0]!;
      return `$${prefix}0`;
    }
    const arms = groups.map((g, i) => {
      params[`${prefix}k${i}`] = g.key!;
      params[`${prefix}${i}`] = values[i]!;
      return `when $${prefix}k${i} then $${prefix}${i}`;
    });
    return `(case ${row}::varchar ${arms.join(" ")} end)`;
  };
  let current = design;
  for (let pass = 0; pass < 100; pass++) {
    const params: Record<string, DuckDBValue> = { ...current.params };
    const lo = perGroup(
      "trim_lo",
      groups.map((g) => g.lo),
      params,
      by ? col(by) : "",
    );
    const hi = perGroup(
      "trim_hi",
      groups.map((g) => g.hi),
      params,
      by ? col(by) : "",
    );
    const q = await queryColumns(
      current.session,
      `select g, count(*) filter (where w < lo or w > hi), count(*) filter (where not (w < lo or w > hi)),
        sum(case when w < lo then w - lo when w > hi then w - hi else 0 end)
       from (select ${group} as g, "__bm_w" as w, ${lo} as lo, ${hi} as hi from ${current.relation})
       group by g order by g`,
      params,
    );
    const outside = q.columns[1] as number[];
    const inside = q.columns[2] as number[];
    if (outside.every((n) => Number(n) === 0)) break;
    const at = outside.findIndex((n, i) => Number(n) > 0 && Number(inside[i]) === 0);
    if (at >= 0)
      throw new Error(
        by
          ? `trimWeights: every weight of ${by} = ${q.columns[0]![at]} is outside the bounds`
          : "trimWeights: every weight is outside the bounds",
      );
    const deltas = (q.columns[3] as number[]).map((excess, i) =>
      Number(inside[i]) ? excess / Number(inside[i]) : 0,
    );
    const name = `trim${current.steps.length}`;
    const p: Record<string, DuckDBValue> = { ...current.params };
    const row = by ? `__bm_p.${col(by)}` : "";
    const stepLo = perGroup(
      `${name}_lo`,
      groups.map((g) => g.lo),
      p,
      row,
    );
    const stepHi = perGroup(
      `${name}_hi`,
      groups.map((g) => g.hi),
      p,
      row,
    );
    const stepD = perGroup(`${name}_d`, deltas, p, row);
    const w = `__bm_p."__bm_w"`;
    const expr = `case when ${w} < ${stepLo} then ${stepLo} when ${w} > ${stepHi} then ${stepHi} else ${w} + ${stepD} end`;
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
