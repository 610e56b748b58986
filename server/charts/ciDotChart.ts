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
 * shape of the scorecard, breakdown and item charts; the dots are the marks named "points"
 * ("points_0", "points_1", … with panels).
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
      // every row, with empty text where the change is not significant: a filter here would fork
      // the data and trouble the faceted independent scales
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
  const step = 13; // per organization within a row (the yOffset step)
  if (options.panels) {
    // one chart per panel, stacked: a facet with independent scales over layers forks the data
    // and makes Vega-Lite warn; concatenated units each get their own rows instead
    const panels = options.panels;
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: labels.title,
      vconcat: panels.map((panel, i) => {
        const values = data.values.filter((f) => f.panel === panel);
        return {
          title: { text: panel, fontSize: 12, fontWeight: "bold" as const, anchor: "start" as const },
          data: { values },
          width: options.width ?? 460,
          height: { step },
          encoding: {
            ...encoding,
            y: { ...y, sort: options.categories.filter((c) => values.some((v) => v.category === c)) },
          },
          layer: layer.map((l) => (l.name ? { ...l, name: `${l.name}_${i}` } : l)),
        };
      }),
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
