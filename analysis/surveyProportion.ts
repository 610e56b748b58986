import { estimate } from "./estimate.ts";
import { toEstimates } from "./toEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * Proportion of the (weighted) population for which a boolean SQL condition holds, with a CI
 * as R's `svyciprop`: `ci: "logit"` (default) is `method = "logit"` (the Wald interval of the
 * quasibinomial intercept, back-transformed: never outside [0, 1]); `ci: "wald"` is
 * `method = "mean"` (p ± t·se, may leave [0, 1]); `"beta"` (Korn–Graubard) and `"xlogit"` are
 * R's methods of those names (see `proportionInterval`). The SE is svymean's; df defaults to R's
 * `degf` of the domain (PSUs with rows in the domain minus strata with rows in the domain),
 * as svyciprop inside svyby; `df` overrides. A NULL condition is a missing value.
 *
 * The condition is SQL text spliced into the query: the caller must have checked it (the CLI
 * parses it as exactly one expression); nothing reachable over HTTP passes user text here.
 *
 * Limits: on replicate designs the logit interval uses the replicate variance of logit(p_r),
 * as svyglm on a replicate design does; degf there is the rank of the replicate weights − 1.
 *
 * @example
 * const aware = await surveyProportion(design, `"aware_union" = 1`, { by: ["township_id"] });
 */
export async function surveyProportion(
  design: SurveyDesign,
  condition: string,
  options: EstimateOptions & { ci?: "logit" | "wald" | "beta" | "xlogit" } = {},
): Promise<Estimate[]> {
  const domains = await estimate(
    design,
    [{ kind: "proportion", y: `(${condition})::boolean::int`, label: `condition ${condition}` }],
    options,
  );
  const ci = options.ci ?? "logit";
  return toEstimates(domains, 0, options, ci, (d) => {
    const lv = domains[d]!.items[0]!.logitVariance;
    if (lv !== undefined) return Math.sqrt(lv);
    const e = domains[d]!.items[0]!;
    return Math.sqrt(e.variance) / (e.estimate * (1 - e.estimate));
  });
}
