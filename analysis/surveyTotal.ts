import { estimate } from "./estimate.ts";
import { col } from "./sql.ts";
import { toEstimates } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Weighted total (Σ w·y) of a numeric column with its design-based SE, overall or per domain.
 *
 * Matches R `survey`: `svytotal(~v, design, deff = TRUE)` and `svyby(..., svytotal)`; the same
 * variance, domain and missing-value rules as `surveyMean`. The deff denominator is
 * s²·N̂²·(N̂−n)/(N̂·n) as in R.
 *
 * @example
 * const [members] = await surveyTotal(design, "is_union_member");
 */
export async function surveyTotal(
  design: SurveyDesign,
  variable: string,
  options: EstimateOptions = {},
): Promise<Estimate[]> {
  const domains = await estimate(
    design,
    [{ kind: "total", y: col(variable), label: `column "${variable}"` }],
    options,
  );
  return toEstimates(domains, 0, options, "normal");
}
