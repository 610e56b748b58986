import { estimate } from "./estimate.ts";
import { col } from "./sql.ts";
import { toEstimates } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Weighted mean of a numeric column with its design-based SE, overall or per domain.
 *
 * Matches R `survey`: `svymean(~v, design, deff = TRUE)` and `svyby(~v, ~by, design, svymean)`:
 * linearization variance (Taylor designs, with fpc, multistage, lonely PSUs and calibration as
 * `svyrecvar`) or replicate variance (`svrVar`); a domain keeps the full design; `naRm` drops rows
 * with a missing value from the domain but not from the design (without it a missing value is an
 * error naming the count). The CI is normal (`confint`), unless `df` says otherwise; `deff` is
 * against SRS without replacement; `nEff` is Kish's (Σw)²/Σw² in the domain.
 *
 * Limits: domains with no rows are not reported (svyby's drop.empty.groups).
 *
 * @example
 * const [all] = await surveyMean(design, "satisfaction_0_100");
 * const byTownship = await surveyMean(design, "satisfaction_0_100", { by: ["township_id"] });
 */
export async function surveyMean(
  design: SurveyDesign,
  variable: string,
  options: EstimateOptions = {},
): Promise<Estimate[]> {
  const domains = await estimate(
    design,
    [{ kind: "mean", y: col(variable), label: `column "${variable}"` }],
    options,
  );
  return toEstimates(domains, 0, options, "normal");
}
