import { estimate } from "./estimate.ts";
import type { Item } from "./linearize/estimateItems.ts";
import { col, queryColumns } from "./sql.ts";
import type { SurveyDesign } from "./types.ts";

export interface ByCovariance {
  /** one per domain, R's svyby names: the levels joined by "." in the order of `by` */
  names: string[];
  by: Record<string, string | number | null>[];
  estimates: number[];
  /** the full covariance of the domain estimates (domains share strata and PSUs) */
  covariance: number[][];
}

/**
 * Domain means (or totals) of one column with the covariance BETWEEN domains, as R's
 * `svyby(~y, ~by, design, svymean, covmat = TRUE)`: each domain's mean is the ratio
 * Σ w·y·1_d / Σ w·1_d (a total Σ w·y·1_d), all linearized in one batch over the whole design,
 * so `surveyContrast` can compare domains (E − M, a wave's change) with their covariance.
 * Rows with `variable` missing are left out (R's `na.rm = TRUE`).
 *
 * Limits: one column and mean or total; domain levels compared as text.
 *
 * @example
 * const b = await surveyByCovariance(design, "api00", ["stype"], "mean");
 * surveyContrast(b.names, b.estimates, b.covariance, { EminusM: { E: 1, M: -1 } });
 */
export async function surveyByCovariance(
  design: SurveyDesign,
  variable: string,
  by: string[],
  kind: "mean" | "total",
): Promise<ByCovariance> {
  if (by.length === 0) throw new Error("surveyByCovariance needs domain columns (by)");
  const levels = await queryColumns(
    design.session,
    `select distinct ${by.map((b, i) => `${col(b)} as b${i}`).join(", ")} from ${design.relation} where ${by.map((b) => `${col(b)} is not null`).join(" and ")} order by all`,
    design.params,
  );
  const params: Record<string, string> = {};
  const items: Item[] = [];
  const names: string[] = [];
  const domains: Record<string, string | number | null>[] = [];
  for (let r = 0; r < levels.rows; r++) {
    const values = by.map((_, i) => levels.columns[i]![r] as string | number);
    const cond = by
      .map((b, i) => {
        params[`byc_${r}_${i}`] = String(values[i]);
        return `${col(b)}::varchar = $byc_${r}_${i}`;
      })
      .join(" and ");
    const y = `case when ${cond} then ${col(variable)}::double else 0 end`;
    items.push(
      kind === "mean"
        ? {
            kind: "ratio",
            y,
            x: `(${cond})::int * (${col(variable)} is not null)::int`,
            label: `column "${variable}"`,
          }
        : { kind: "total", y, label: `column "${variable}"` },
    );
    names.push(values.map(String).join("."));
    domains.push(Object.fromEntries(by.map((b, i) => [b, values[i]!])));
  }
  const withParams = { ...design, params: { ...design.params, ...params } } as SurveyDesign;
  const [d] = await estimate(withParams, items, { naRm: true });
  return {
    names,
    by: domains,
    estimates: d!.items.map((e) => e.estimate),
    covariance: d!.covariance,
  };
}
