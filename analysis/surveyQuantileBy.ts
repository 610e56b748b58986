import { qt } from "./distributions/qt.ts";
import { estimateItems } from "./linearize/estimateItems.ts";
import { quantileRule } from "./quantileRule.ts";
import { col, queryColumns } from "./sql.ts";
import { ciDf } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Weighted quantiles per domain with Woodruff intervals, as R's
 * `svyby(~v, ~by, design, svyquantile, quantiles, ci = TRUE)` (defaults `qrule = "math"`,
 * `interval.type = "mean"`): in each domain the quantile rule over the domain's rows; the CI
 * inverts the domain's CI of svymean(v <= q̂) with t on the domain's degf (PSUs minus strata
 * with rows in it, R's degf of the subset design), and the SE is (upper − lower)/(2t), as R
 * reports it. Rows with v missing are left out. An end whose p-limit leaves [0, 1] is NaN.
 *
 * Limits: Taylor designs; each domain's values are read into memory; one variance pass per
 * domain and quantile.
 *
 * @example
 * const rows = await surveyQuantileBy(design, "api00", [0.25, 0.5, 0.75], { by: ["stype"] });
 */
export async function surveyQuantileBy(
  design: SurveyDesign,
  variable: string,
  probs: number[],
  options: EstimateOptions & { by: string[] },
): Promise<(Estimate & { p: number })[]> {
  if (design.kind !== "taylor") throw new Error("surveyQuantileBy needs a Taylor (linearization) design");
  if (!options.by.length) throw new Error("surveyQuantileBy needs domain columns (by)");
  for (const p of probs) if (!(p >= 0 && p <= 1)) throw new Error(`quantile ${p} is not between 0 and 1`);
  const level = options.level ?? 0.95;
  const v = col(variable);
  const keys = options.by.map((b, i) => `${col(b)} as "__q${i}"`).join(", ");
  const q = await queryColumns(
    design.session,
    `select ${keys}, ${v}::double as x, "__bm_w" as w from ${design.relation} where ${v} is not null order by all`,
    design.params,
  );
  const B = options.by.length;
  const groups = new Map<
    string,
    { by: Record<string, string | number | null>; xs: number[]; ws: number[] }
  >();
  for (let r = 0; r < q.rows; r++) {
    const values = options.by.map((_, i) => q.columns[i]![r] as string | number | null);
    const key = JSON.stringify(values);
    let g = groups.get(key);
    if (!g) {
      g = { by: Object.fromEntries(options.by.map((b, i) => [b, values[i]!])), xs: [], ws: [] };
      groups.set(key, g);
    }
    g.xs.push(q.columns[B]![r] as number);
    g.ws.push(q.columns[B + 1]![r] as number);
  }
  const out: (Estimate & { p: number })[] = [];
  for (const [key, g] of groups) {
    const rule = quantileRule(g.xs, g.ws);
    const W = g.ws.reduce((s, w) => s + w, 0);
    const sw2 = g.ws.reduce((s, w) => s + w * w, 0);
    for (const p of probs) {
      const qhat = rule(p);
      const domains = await estimateItems(
        design,
        [{ kind: "mean", y: `(${v} <= $q_hat)::int`, label: `column "${variable}"` }],
        { by: options.by, naRm: true, extraParams: { q_hat: qhat }, df: options.df },
      );
      const dom = domains.find((d) => JSON.stringify(options.by.map((b) => d.by?.[b] ?? null)) === key);
      if (!dom) throw new Error(`domain ${key} vanished between two reads (the source changed?)`);
      const e = dom.items[0]!;
      const df = ciDf(options.df, "design", dom.degf, dom.satterthwaiteDf?.[0]);
      const t = qt(1 - (1 - level) / 2, df);
      const se = Math.sqrt(e.variance);
      const lo = e.estimate - t * se;
      const hi = e.estimate + t * se;
      const ciLow = Number.isNaN(lo) || lo < 0 ? Number.NaN : rule(lo);
      const ciHigh = Number.isNaN(hi) || hi > 1 ? Number.NaN : rule(hi);
      out.push({
        by: g.by,
        estimate: qhat,
        se: (ciHigh - ciLow) / (2 * t),
        ciLow,
        ciHigh,
        df,
        deff: null,
        n: g.xs.length,
        nEff: (W * W) / sw2,
        p,
      });
    }
  }
  return out;
}
