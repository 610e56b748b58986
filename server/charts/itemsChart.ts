import type { TopLevelSpec } from "vega-lite";
import { type CategoryFigure, type CategoryLabels, ciDotChart } from "./ciDotChart.ts";

/**
 * A unit's items in detail: each approval aspect and the % satisfied, one dot per organization
 * with its 95% interval.
 */
export function itemsChart(
  figures: CategoryFigure[],
  labels: CategoryLabels,
  order: { organizations: string[]; items: string[] },
): TopLevelSpec {
  return ciDotChart(figures, labels, { organizations: order.organizations, categories: order.items });
}
