import type { TopLevelSpec } from "vega-lite";
import { PALETTE } from "./districtIndexChart.ts";
import { type ChartFigure, figureTooltip, VEGA_LITE_SCHEMA } from "./figure.ts";

export interface TownshipFigure extends ChartFigure {
  township: string;
  /** "Tier 1", "第1档": townships whose intervals overlap the tier's first. */
  tier: string;
}

/**
 * Townships as dots (the mark named "points") with 95% interval lines, best first, coloured by
 * tier; one panel per organization.
 */
export function townshipTierChart(
  figures: TownshipFigure[],
  labels: {
    title: string;
    value: string;
    township: string;
    organization: string;
    tier: string;
    ciLow: string;
    ciHigh: string;
  },
  order: { organizations: string[]; tiers: string[] },
): TopLevelSpec {
  const tooltip = [
    { field: "township", type: "nominal" as const, title: labels.township },
    { field: "tier", type: "nominal" as const, title: labels.tier },
    ...figureTooltip(labels),
  ];
  const x = { field: "estimate", type: "quantitative" as const, title: labels.value, scale: { domain: [0, 100] } };
  const color = {
    field: "tier",
    type: "ordinal" as const,
    title: labels.tier,
    sort: order.tiers,
    scale: { domain: order.tiers, range: PALETTE.slice(0, Math.max(order.tiers.length, 1)) },
    legend: { orient: "top" as const, labelFontSize: 12 },
  };
  const y = {
    field: "township",
    type: "nominal" as const,
    title: null,
    sort: { field: "estimate", order: "descending" as const },
    axis: { labelLimit: 160 },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    data: { values: figures },
    facet: {
      column: {
        field: "organization",
        type: "nominal",
        title: null,
        sort: order.organizations,
        header: { labelFontSize: 13, labelFontWeight: "bold" },
      },
    },
    spec: {
      width: order.organizations.length > 1 ? 170 : 420,
      height: { step: 13 },
      encoding: { y, color },
      layer: [
        {
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: { x: { ...x, field: "ciLow" }, x2: { field: "ciHigh" }, tooltip },
        },
        {
          name: "points",
          mark: { type: "point", filled: true, size: 36, opacity: 1 },
          encoding: { x, tooltip },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}
