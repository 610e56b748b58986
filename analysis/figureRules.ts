/**
 * The rules every published direct figure follows, in one place for the SQL marts
 * (index_scores, theme_scores: DuckDB macros the model run creates first) and for TypeScript
 * (notebooks' estimate blocks).
 *
 * Suppression (study.yaml `reporting`): a figure from fewer than `min_n` respondents is withheld
 * ("min_n"); so is one whose relative SE |se / estimate| is above `max_rse`, or whose estimate is
 * 0 (no relative SE: "max_rse"). The model-based figures have their own rule, by relative RMSE
 * (sae_estimates).
 */
export type WithheldReason = "" | "min_n" | "max_rse";

export function withheldReason(
  n: number,
  estimate: number,
  se: number,
  rules: { minN: number; maxRse: number },
): WithheldReason {
  if (n < rules.minN) return "min_n";
  if (estimate === 0 || Math.abs(se / estimate) > rules.maxRse) return "max_rse";
  return "";
}

/**
 * The same rules as DuckDB macros, created as temporary macros on a model run's connection
 * before its first model:
 * - `withheld_reason(n, estimate, se, min_n, max_rse)`: as `withheldReason`;
 * - `p_two_sided(diff, se)`: the two-sided normal p-value 2(1 − Φ(|diff| / se)) =
 *   erfc(|diff| / se / √2) of a difference, by the Chebyshev approximation of erfc (Numerical
 *   Recipes' erfcc, relative error below 1.2e-7); with no sampling error (se 0 or null) the
 *   difference is exact: 1 when it is 0, else 0.
 */
export const FIGURE_RULE_MACROS: readonly string[] = [
  `create or replace temp macro withheld_reason(n, estimate, se, min_n, max_rse) as
     case
       when n < min_n then 'min_n'
       when estimate = 0 or abs(se / estimate) > max_rse then 'max_rse'
       else ''
     end`,
  // erfc(x) for x >= 0 as erfcc writes it, t = 1 / (1 + x / 2) passed in (a macro has no locals)
  `create or replace temp macro erfcc_at(x, t) as
     t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
       + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))`,
  "create or replace temp macro erfcc(x) as erfcc_at(x, 1 / (1 + 0.5 * x))",
  `create or replace temp macro p_two_sided(diff, se) as
     case
       when coalesce(se > 0, false) then erfcc(abs(diff) / se / sqrt(2))
       else if(diff = 0, 1.0, 0.0)
     end`,
];
