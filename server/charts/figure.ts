/** One shown figure with its 95% interval, as the chart builders take it (labels already in the page's language). */
export interface ChartFigure {
  organization: string;
  estimate: number;
  ciLow: number;
  ciHigh: number;
  n: number;
}

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Grey used for withheld cells and reference lines: readable for every colour vision. */
export const WITHHELD_GREY = "#d9d9d9";

/** The tooltip lines every figure carries: organization, estimate, interval, n. */
export function figureTooltip(labels: {
  organization: string;
  value: string;
  ciLow: string;
  ciHigh: string;
}) {
  return [
    { field: "organization", type: "nominal" as const, title: labels.organization },
    { field: "estimate", type: "quantitative" as const, format: ".1f", title: labels.value },
    { field: "ciLow", type: "quantitative" as const, format: ".1f", title: labels.ciLow },
    { field: "ciHigh", type: "quantitative" as const, format: ".1f", title: labels.ciHigh },
    { field: "n", type: "quantitative" as const, title: "n" },
  ];
}
