import { queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";

export interface WeightingDiagnostics {
  rows: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  /** coefficient of variation of the weights (population standard deviation / mean) */
  cv: number;
  /** Kish's design effect of weighting, 1 + CV² = n·Σw²/(Σw)² */
  deffWeighting: number;
  /** Kish's effective sample size, (Σw)²/Σw² */
  nEff: number;
  negative: number;
}

/**
 * Summary of a design's (final) weights: min, max, CV, Kish's design effect of weighting
 * 1 + CV² and effective n (Σw)²/Σw² (Kish 1965, section 11.7; R: `weights(design)` then
 * by hand, there is no single survey function).
 *
 * @example
 * const { deffWeighting, nEff } = await weightingDiagnostics(raked);
 */
export async function weightingDiagnostics(design: TaylorDesign): Promise<WeightingDiagnostics> {
  const q = await queryColumns(
    design.session,
    `select count(*), sum(w), min(w), max(w), sum(w * w), count(*) filter (where w < 0) from (select "__bm_w" as w from ${design.relation})`,
    design.params,
  );
  const [n, sum, min, max, sum2, negative] = q.columns.map((c) => c[0] as number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const deffWeighting = (n * sum2) / (sum * sum);
  return {
    rows: n,
    sum,
    min,
    max,
    mean: sum / n,
    cv: Math.sqrt(Math.max(0, deffWeighting - 1)),
    deffWeighting,
    nEff: (sum * sum) / sum2,
    negative,
  };
}
