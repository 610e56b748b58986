import { estimate } from "./estimate.ts";
import { col } from "./sql.ts";
import { toEstimates } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Ratio of two weighted totals, Σw·y / Σw·x, with its linearization (or replicate) SE.
 *
 * Matches R `survey`: `svyratio(~num, ~den, design, deff = TRUE)` (combined ratio; score
 * (y − R·x)/X̂), and `svyby(~num, ~by, design, svyratio, denominator = ~den)`. A row with either
 * value missing is a missing row. The CI is normal, as `confint`.
 *
 * @example
 * const [perCapita] = await surveyRatio(design, "activities", "household_size");
 */
export async function surveyRatio(
  design: SurveyDesign,
  numerator: string,
  denominator: string,
  options: EstimateOptions = {},
): Promise<Estimate[]> {
  const domains = await estimate(
    design,
    [
      {
        kind: "ratio",
        y: col(numerator),
        x: col(denominator),
        label: `ratio "${numerator}"/"${denominator}"`,
      },
    ],
    options,
  );
  return toEstimates(domains, 0, options, "normal");
}
