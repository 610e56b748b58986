import type { TopLevelSpec } from "vega-lite";

export interface DistrictFigure {
  organization: string;
  wave: string;
  estimate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  n: number;
}

/** Okabe–Ito, a palette that stays distinct for the common colour-vision deficiencies. */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
];

/**
 * One index per organization and wave, as points with 95% CI error bars: the first chart a
 * leader sees. Labels arrive as data and are drawn as text by Vega, never as markup.
 */
export function districtIndexChart(
  figures: DistrictFigure[],
  labels: { title: string; value: string; wave: string; organization: string },
): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: labels.title,
    width: 420,
    height: { step: 28 },
    data: { values: figures.filter((f) => f.estimate !== null) },
    encoding: {
      y: { field: "organization", type: "nominal", title: labels.organization, sort: null },
      yOffset: { field: "wave", type: "nominal" },
      color: { field: "wave", type: "nominal", title: labels.wave, scale: { range: PALETTE } },
    },
    layer: [
      {
        mark: { type: "rule" },
        encoding: {
          x: { field: "ciLow", type: "quantitative", title: labels.value, scale: { domain: [0, 100] } },
          x2: { field: "ciHigh" },
        },
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x: { field: "estimate", type: "quantitative" },
          tooltip: [
            { field: "organization", type: "nominal", title: labels.organization },
            { field: "wave", type: "nominal", title: labels.wave },
            { field: "estimate", type: "quantitative", format: ".1f", title: labels.value },
            { field: "ciLow", type: "quantitative", format: ".1f", title: "95% CI −" },
            { field: "ciHigh", type: "quantitative", format: ".1f", title: "95% CI +" },
            { field: "n", type: "quantitative", title: "n" },
          ],
        },
      },
    ],
  };
}
