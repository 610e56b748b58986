import type { TopLevelSpec } from "vega-lite";
import { type CategoryFigure, type CategoryLabels, ciDotChart } from "./ciDotChart.ts";

/**
 * The leaders' first chart: for each index (composite first), one dot per organization with its
 * 95% interval, and an arrow only where the change since the last wave is significant.
 */
export function scorecardChart(
  figures: CategoryFigure[],
  labels: CategoryLabels,
  order: { organizations: string[]; indices: string[] },
): TopLevelSpec {
  return ciDotChart(figures, labels, { organizations: order.organizations, categories: order.indices });
}
