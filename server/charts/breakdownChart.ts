import type { TopLevelSpec } from "vega-lite";
import { type CategoryFigure, type CategoryLabels, ciDotChart } from "./ciDotChart.ts";

/**
 * One index by demographic group: a panel per breakdown variable (sex, age group, ...), a row
 * per group, one dot per organization with its 95% interval.
 */
export function breakdownChart(
  figures: CategoryFigure[],
  labels: CategoryLabels,
  order: { organizations: string[]; groups: string[]; variables: string[] },
): TopLevelSpec {
  return ciDotChart(figures, labels, {
    organizations: order.organizations,
    categories: order.groups,
    panels: order.variables,
    width: 420,
  });
}
