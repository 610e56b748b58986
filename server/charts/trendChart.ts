import type { TopLevelSpec } from "vega-lite";
import { PALETTE } from "./districtIndexChart.ts";
import { type ChartFigure, figureTooltip, VEGA_LITE_SCHEMA } from "./figure.ts";

export interface TrendFigure extends ChartFigure {
  wave: string;
}

/**
 * One index over the waves, a line per organization, each wave's figure a dot (the mark named
 * "points") with its 95% interval. Organizations sit side by side within a wave so their
 * intervals do not hide each other.
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
    legend: { orient: "top" as const, labelFontSize: 12 },
  };
  const xOffset = { field: "organization", type: "nominal" as const, sort: order.organizations };
  const tooltip = [{ field: "wave", type: "nominal" as const, title: labels.wave }, ...figureTooltip(labels)];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    width: { step: 40 * Math.max(order.organizations.length, 2) },
    height: 260,
    data: { values: figures },
    encoding: { x, color },
    layer: [
      {
        mark: { type: "line", strokeWidth: 1.5, opacity: 0.6 },
        encoding: { xOffset, y: { field: "estimate", type: "quantitative", title: labels.value } },
      },
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          xOffset,
          y: { field: "ciLow", type: "quantitative", title: labels.value, scale: { zero: false } },
          y2: { field: "ciHigh" },
          tooltip,
        },
      },
      {
        name: "points",
        mark: { type: "point", filled: true, size: 80, opacity: 1 },
        encoding: { xOffset, y: { field: "estimate", type: "quantitative" }, tooltip },
      },
    ],
  };
}
