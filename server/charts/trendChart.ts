import type { TopLevelSpec } from "vega-lite";
import { PALETTE } from "./districtIndexChart.ts";
import { type ChartFigure, figureTooltip, VEGA_LITE_SCHEMA } from "./figure.ts";

export interface TrendFigure extends ChartFigure {
  wave: string;
}

/**
 * One index over the waves, a line per organization, each wave's figure a dot (the mark named
 * "points") and its 95% interval a light band, so overlapping intervals stay visible.
 */
export function trendChart(
  figures: TrendFigure[],
  labels: { title: string; value: string; wave: string; organization: string; ciLow: string; ciHigh: string },
  order: { organizations: string[]; waves: string[] },
): TopLevelSpec {
  const x = {
    field: "wave",
    type: "ordinal" as const,
    title: labels.wave,
    sort: order.waves,
    axis: { labelAngle: 0 },
  };
  const color = {
    field: "organization",
    type: "nominal" as const,
    title: labels.organization,
    sort: order.organizations,
    scale: { domain: order.organizations, range: PALETTE.slice(0, order.organizations.length) },
    legend: { orient: "top" as const, labelFontSize: 12, symbolOpacity: 1 },
  };
  const tooltip = [{ field: "wave", type: "nominal" as const, title: labels.wave }, ...figureTooltip(labels)];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    width: { step: 110 },
    height: 260,
    data: { values: figures },
    encoding: { x, color },
    layer: [
      {
        // the 95% interval as a light band per organization
        mark: { type: "area", opacity: 0.15 },
        encoding: {
          y: { field: "ciLow", type: "quantitative", title: labels.value, scale: { zero: false } },
          y2: { field: "ciHigh" },
          tooltip,
        },
      },
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { y: { field: "estimate", type: "quantitative" } },
      },
      {
        name: "points",
        mark: { type: "point", filled: true, size: 80, opacity: 1 },
        encoding: { y: { field: "estimate", type: "quantitative" }, tooltip },
      },
    ],
  };
}
