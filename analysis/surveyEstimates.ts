import { estimate } from "./estimate.ts";
import type { DomainEstimates, Item } from "./linearize/estimateItems.ts";
import { col } from "./sql.ts";
import { toEstimates } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/** One figure of a batch: a mean, total or ratio of columns, or a proportion of a checked condition. */
export type EstimateRequest = (
  | { kind: "mean" | "total"; variable: string }
  | { kind: "ratio"; numerator: string; denominator: string }
  | { kind: "proportion"; condition: string; ci?: "logit" | "wald" | "beta" | "xlogit" }
) & {
  /** this request's interval df, over the call's `options.df` (see `EstimateOptions.df`) */
  df?: EstimateOptions["df"];
};

export interface BatchResult {
  /** per request, one Estimate per domain (domains in the same order for every request) */
  estimates: Estimate[][];
  /** per domain, the joint covariance matrix of the requests' estimates (for composites and contrasts) */
  covariance: number[][][];
}

/**
 * Many figures in one pass over the data: the same estimates as `surveyMean`, `surveyTotal`,
 * `surveyRatio` and `surveyProportion` (R: one `svymean(~a + b + c, ...)`/`svyby` call), plus
 * their joint covariance within each domain, so a composite index's SE comes from the covariance
 * (R: `vcov(svymean(~a+b, design))`, `svycontrast`), never from assuming independence.
 *
 * All requests share `options` (domains, naRm, level, df). With `naRm`, each request leaves out
 * its own missing rows (R's `svymean(~a, na.rm = TRUE)` per variable; note a joint R call
 * `svymean(~a + b, na.rm = TRUE)` would drop rows missing in any).
 *
 * @example
 * const { estimates, covariance } = await surveyEstimates(design, [
 *   { kind: "mean", variable: "approval_0_100" },
 *   { kind: "proportion", condition: `"aware" = 1` },
 * ], { by: ["township_id"] });
 */
export async function surveyEstimates(
  design: SurveyDesign,
  requests: EstimateRequest[],
  options: EstimateOptions = {},
): Promise<BatchResult> {
  const domains = await estimate(design, requestItems(requests), options);
  return batchResult(requests, domains, options);
}

/** The linear items of the requests, in order. */
export function requestItems(requests: EstimateRequest[]): Item[] {
  return requests.map((r) => {
    if (r.kind === "ratio") {
      return {
        kind: "ratio",
        y: col(r.numerator),
        x: col(r.denominator),
        label: `ratio "${r.numerator}"/"${r.denominator}"`,
      };
    }
    if (r.kind === "proportion")
      return { kind: "proportion", y: `(${r.condition})::boolean::int`, label: `condition ${r.condition}` };
    return { kind: r.kind, y: col(r.variable), label: `column "${r.variable}"` };
  });
}

/** Shape the items' domain estimates as the requests' `Estimate`s (intervals per request kind). */
export function batchResult(
  requests: EstimateRequest[],
  domains: DomainEstimates[],
  options: EstimateOptions,
): BatchResult {
  const estimates = requests.map((r, i) => {
    const own = r.df === undefined ? options : { ...options, df: r.df };
    if (r.kind !== "proportion") return toEstimates(domains, i, own, "normal");
    return toEstimates(domains, i, own, r.ci ?? "logit", (d) => {
      const e = domains[d]!.items[i]!;
      if (e.logitVariance !== undefined) return Math.sqrt(e.logitVariance);
      return Math.sqrt(e.variance) / (e.estimate * (1 - e.estimate));
    });
  });
  return { estimates, covariance: domains.map((d) => d.covariance) };
}
