import type { TopLevelSpec } from "vega-lite";
import { PALETTE } from "./districtIndexChart.ts";
import { type ChartFigure, figureTooltip, VEGA_LITE_SCHEMA } from "./figure.ts";

export interface CategoryFigure extends ChartFigure {
  /** The row: an index, a demographic group or an item. */
  category: string;
  /** Rows are grouped in panels by this (a breakdown variable), when given. */
  panel?: string;
  /** "▲ +2.7" where the change since the previous wave is significant, else "". */
  arrow?: string;
  /** The change, for the tooltip ("" when there is none to show). */
  change?: string;
}

export interface CategoryLabels {
  title: string;
  value: string;
  category: string;
  organization: string;
  ciLow: string;
  ciHigh: string;
  change: string;
}

/**
 * Rows of categories, one dot per organization in each, with its 95% interval as a line and,
 * where the change since the previous wave is significant, an arrow beside it. The common
 * shape of the scorecard, breakdown and item charts; the dots are the mark named "points".
 */
export function ciDotChart(
  figures: CategoryFigure[],
  labels: CategoryLabels,
  options: { organizations: string[]; categories: string[]; panels?: string[]; width?: number },
): TopLevelSpec {
  const y = {
    field: "category",
    type: "nominal" as const,
    title: null,
    sort: options.categories,
    axis: { labelLimit: 220, labelFontSize: 12 },
  };
  const encoding = {
    y,
    yOffset: { field: "organization", type: "nominal" as const, sort: options.organizations },
    color: {
      field: "organization",
      type: "nominal" as const,
      title: labels.organization,
      sort: options.organizations,
      scale: { domain: options.organizations, range: PALETTE.slice(0, options.organizations.length) },
      legend: { orient: "top" as const, labelFontSize: 12 },
    },
  };
  const tooltip = [
    ...figureTooltip(labels),
    { field: "category", type: "nominal" as const, title: labels.category },
    { field: "change", type: "nominal" as const, title: labels.change },
  ];
  const x = {
    field: "estimate",
    type: "quantitative" as const,
    title: labels.value,
    scale: { domain: [0, 100] },
  };
  const layer = [
    {
      mark: { type: "rule" as const, strokeWidth: 2 },
      encoding: { x: { ...x, field: "ciLow" }, x2: { field: "ciHigh" }, tooltip },
    },
    {
      name: "points",
      mark: { type: "point" as const, filled: true, size: 80, opacity: 1 },
      encoding: { x, tooltip },
    },
    {
      transform: [{ filter: "datum.arrow != ''" }],
      mark: {
        type: "text" as const,
        align: "left" as const,
        dx: 6,
        fontSize: 12,
        fontWeight: "bold" as const,
      },
      encoding: { x: { field: "ciHigh", type: "quantitative" as const }, text: { field: "arrow" } },
    },
  ];
  const data = { values: figures.map((f) => ({ ...f, arrow: f.arrow ?? "", change: f.change ?? "" })) };
  const step = options.organizations.length * 11 + 12;
  if (options.panels) {
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: labels.title,
      data,
      facet: {
        row: {
          field: "panel",
          type: "nominal",
          title: null,
          sort: options.panels,
          header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelFontWeight: "bold" },
        },
      },
      spec: {
        width: options.width ?? 460,
        height: { step },
        encoding,
        layer,
      },
      resolve: { scale: { y: "independent" } },
    } as TopLevelSpec;
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    data,
    width: options.width ?? 460,
    height: { step },
    encoding,
    layer,
  } as TopLevelSpec;
}
