import { qt } from "./distributions/qt.ts";
import { estimateItems } from "./linearize/estimateItems.ts";
import { quantileRule } from "./quantileRule.ts";
import { col, queryColumns } from "./sql.ts";
import { ciDf } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Weighted quantiles with Woodruff confidence intervals, as R's
 * `svyquantile(~v, design, quantiles, ci = TRUE)` with its defaults `qrule = "math"` (the first
 * sorted value whose cumulative weight reaches p·Σw) and `interval.type = "mean"`: the CI
 * inverts the CI of svymean(v <= q̂) (t with the design's degf), and the reported SE is
 * (upper − lower)/(2·t), as R reports it. An end whose p-limit falls outside [0, 1] is NaN.
 *
 * Limits: Taylor designs, no domains (`by`), and the sorted column is read into memory (fine
 * for a few hundred thousand rows).
 *
 * @example
 * const [q25, median, q75] = await surveyQuantile(design, "age", [0.25, 0.5, 0.75]);
 */
export async function surveyQuantile(
  design: SurveyDesign,
  variable: string,
  probs: number[],
  options: EstimateOptions = {},
): Promise<(Estimate & { p: number })[]> {
  if (design.kind !== "taylor") throw new Error("surveyQuantile needs a Taylor (linearization) design");
  if (options.by?.length) throw new Error("surveyQuantile does not take domains (by)");
  const level = options.level ?? 0.95;
  const v = col(variable);
  const q = await queryColumns(
    design.session,
    `select ${v}::double as x, "__bm_w" as w from ${design.relation} where ${v} is not null order by ${v}`,
    design.params,
  );
  const xs = q.columns[0] as number[];
  const ws = q.columns[1] as number[];
  const W = ws.reduce((s, w) => s + w, 0);
  const rule = quantileRule(xs, ws);
  let sw2 = 0;
  for (const w of ws) sw2 += w * w;
  const out: (Estimate & { p: number })[] = [];
  for (const p of probs) {
    if (!(p >= 0 && p <= 1)) throw new Error(`quantile ${p} is not between 0 and 1`);
    const qhat = rule(p);
    const [dom] = await estimateItems(
      design,
      [{ kind: "mean", y: `(${v} <= $q_hat)::int`, label: `column "${variable}"` }],
      {
        naRm: options.naRm,
        extraParams: { q_hat: qhat },
        df: options.df,
      },
    );
    const e = dom!.items[0]!;
    const df = ciDf(options.df, "design", dom!.degf, dom!.satterthwaiteDf?.[0]);
    const t = qt(1 - (1 - level) / 2, df);
    const se = Math.sqrt(e.variance);
    const lo = e.estimate - t * se;
    const hi = e.estimate + t * se;
    const ciLow = Number.isNaN(lo) || lo < 0 ? Number.NaN : rule(lo);
    const ciHigh = Number.isNaN(hi) || hi > 1 ? Number.NaN : rule(hi);
    out.push({
      by: null,
      estimate: qhat,
      se: (ciHigh - ciLow) / (2 * t),
      ciLow,
      ciHigh,
      df,
      deff: null,
      n: xs.length,
      nEff: (W * W) / sw2,
      p,
    });
  }
  return out;
}
