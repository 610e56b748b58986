import type { TopLevelSpec } from "vega-lite";
import { type ChartFigure, figureTooltip, tierColours, VEGA_LITE_SCHEMA } from "./figure.ts";

export interface TownshipFigure extends ChartFigure {
  township: string;
  /** "Tier 1", "第1档": townships whose intervals overlap the tier's first. */
  tier: string;
  /** The township's unit page: a click on its dot opens it. */
  href: string;
}

/**
 * Townships as dots (the marks named "points_0", "points_1", …) with 95% interval lines, best first, coloured by
 * tier on a sequential ramp where worse reads as worse (tierColours); one panel per organization.
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
  const x = {
    field: "estimate",
    type: "quantitative" as const,
    title: labels.value,
    scale: { domain: [0, 100] },
  };
  const color = {
    field: "tier",
    type: "ordinal" as const,
    title: labels.tier,
    sort: order.tiers,
    scale: { domain: order.tiers, range: tierColours(order.tiers.length) },
    legend: { orient: "top" as const, labelFontSize: 12 },
  };
  const y = {
    field: "township",
    type: "nominal" as const,
    title: null,
    sort: { field: "estimate", order: "descending" as const },
    axis: { labelLimit: 160 },
  };
  const layer = (i: number) => [
    {
      mark: { type: "rule" as const, strokeWidth: 1.5 },
      encoding: { x: { ...x, field: "ciLow" }, x2: { field: "ciHigh" }, tooltip },
    },
    {
      name: `points_${i}`,
      mark: { type: "point" as const, filled: true, size: 36, opacity: 1, cursor: "pointer" as const },
      encoding: { x, tooltip, href: { field: "href" } },
    },
  ];
  // one chart per organization side by side (not a facet: facets with independent scales over
  // layers fork the data and make Vega-Lite warn)
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    hconcat: order.organizations.map((organization, i) => ({
      title: { text: organization, fontSize: 13, fontWeight: "bold" as const },
      data: { values: figures.filter((f) => f.organization === organization) },
      width: order.organizations.length > 1 ? 170 : 420,
      height: { step: 13 },
      encoding: { y, color },
      layer: layer(i),
    })),
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}
