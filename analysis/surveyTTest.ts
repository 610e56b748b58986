import { col, queryColumns } from "./sql.ts";
import { surveyGlm } from "./surveyGlm.ts";
import type { SurveyDesign } from "./types.ts";

export interface TTestResult {
  /** the two groups, in R's factor order (sorted); the difference is second − first */
  groups: [string, string];
  difference: number;
  se: number;
  statistic: number;
  df: number;
  pValue: number;
  ciLow: number;
  ciHigh: number;
}

/**
 * Design-based two-group t-test, as R's `svyttest(y ~ group, design)`: the coefficient of the
 * second group's indicator in `svyglm(y ~ group)` (the difference of the two domain means), its
 * sandwich SE, t on the model's residual df (degf − 1), a two-sided p-value and the Wald
 * interval on the same df (`confint(svyglm)`). Rows missing y or the group are left out.
 *
 * Limits: exactly two groups (R: "group must be binary"); Taylor designs.
 *
 * @example
 * const t = await surveyTTest(design, "api00", "sch_wide"); // groups ["No", "Yes"]
 */
export async function surveyTTest(
  design: SurveyDesign,
  variable: string,
  group: string,
  options: { level?: number } = {},
): Promise<TTestResult> {
  const levels = await queryColumns(
    design.session,
    `select distinct ${col(group)}::varchar from ${design.relation} where ${col(group)} is not null order by 1`,
    design.params,
  );
  const values = levels.columns[0] as string[];
  if (values.length !== 2)
    throw new Error(`the group column "${group}" must have exactly two values (it has ${values.length})`);
  const fit = await surveyGlm(
    { ...design, params: { ...design.params, ttest_level: values[1]! } } as SurveyDesign,
    `${col(variable)}::double`,
    [{ name: `${group}${values[1]}`, sql: `(${col(group)}::varchar = $ttest_level)::int` }],
    "gaussian",
    options,
  );
  return {
    groups: [values[0]!, values[1]!],
    difference: fit.coef[1]!,
    se: fit.se[1]!,
    statistic: fit.statistic[1]!,
    df: fit.dfResidual,
    pValue: fit.pValue[1]!,
    ciLow: fit.ciLow[1]!,
    ciHigh: fit.ciHigh[1]!,
  };
}
