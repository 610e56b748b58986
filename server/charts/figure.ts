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

/** ColorBrewer's YlOrRd (9 classes), colour-blind safe; its light end is too faint for dots. */
const YL_OR_RD = [
  "#ffffcc",
  "#ffeda0",
  "#fed976",
  "#feb24c",
  "#fd8d3c",
  "#fc4e2a",
  "#e31a1c",
  "#bd0026",
  "#800026",
];

/**
 * Colours of `n` tiers, best first: a sequential ramp from light orange (tier 1) to dark red
 * (the last, worst tier), so worse reads as worse, and no tier is green. Sampled evenly from
 * the darker two thirds of YlOrRd so the best tier's dots still show on white.
 *
 * @example tierColours(3) // ["#feb24c", "#e31a1c", "#800026"]
 */
export function tierColours(n: number): string[] {
  const from = 3;
  const to = YL_OR_RD.length - 1;
  if (n <= 1) return [YL_OR_RD[from + 1]!];
  return Array.from({ length: n }, (_, i) => YL_OR_RD[Math.round(from + ((to - from) * i) / (n - 1))]!);
}
