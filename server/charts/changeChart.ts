import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "./figure.ts";

/** One township's change since the last wave, as the mart gives it (labels in the page's language). */
export interface ChangeFigure {
  township: string;
  organization: string;
  /** This wave's figure minus the previous wave's, on 0–100. */
  change: number;
  /** The change's 95% interval (index_scores.change_ci_low_0_100 / change_ci_high_0_100). */
  changeLow: number;
  changeHigh: number;
  /** The mart's is_change_significant. */
  significant: boolean;
  /** "▲" / "▼" where significant, else "". */
  arrow: string;
  /** "significant" / "not significant", for the tooltip. */
  significance: string;
  href: string;
}

/** Blue up, vermillion down (Okabe–Ito, as the scorecard's arrows); grey where not significant. */
const UP = "#0072b2";
const DOWN = "#d55e00";
const FLAT = "#8c8c8c";

/**
 * Townships' changes since the last wave: a dot per township (the marks named "points_0",
 * "points_1", …) with the change's 95% interval as a line, a rule at 0, largest rise first; one
 * panel per organization. Only significant changes are filled, coloured and carry an arrow.
 */
export function changeChart(
  figures: ChangeFigure[],
  labels: {
    title: string;
    change: string;
    changeLow: string;
    changeHigh: string;
    township: string;
    organization: string;
    significance: string;
  },
  order: { organizations: string[] },
): TopLevelSpec {
  const tooltip = [
    { field: "township", type: "nominal" as const, title: labels.township },
    { field: "organization", type: "nominal" as const, title: labels.organization },
    { field: "change", type: "quantitative" as const, format: "+.1f", title: labels.change },
    { field: "changeLow", type: "quantitative" as const, format: "+.1f", title: labels.changeLow },
    { field: "changeHigh", type: "quantitative" as const, format: "+.1f", title: labels.changeHigh },
    { field: "significance", type: "nominal" as const, title: labels.significance },
  ];
  const reach = Math.max(10, ...figures.flatMap((f) => [Math.abs(f.changeLow), Math.abs(f.changeHigh)]));
  const limit = Math.ceil(reach / 5) * 5;
  const x = {
    field: "change",
    type: "quantitative" as const,
    title: labels.change,
    scale: { domain: [-limit, limit] },
    axis: { format: "+d", tickCount: 5 },
  };
  const y = {
    field: "township",
    type: "nominal" as const,
    title: null,
    sort: { field: "change", order: "descending" as const },
    axis: { labelLimit: 160 },
  };
  const direction = {
    test: "datum.significant",
    field: "direction",
    type: "nominal" as const,
    scale: { domain: ["up", "down"], range: [UP, DOWN] },
    legend: null,
  };
  const colour = { condition: direction, value: FLAT };
  const layer = (i: number) => [
    { mark: { type: "rule" as const, color: "#9a9a9a", strokeDash: [3, 3] }, encoding: { x: { datum: 0 } } },
    {
      mark: { type: "rule" as const, strokeWidth: 1.5 },
      encoding: { x: { ...x, field: "changeLow" }, x2: { field: "changeHigh" }, color: colour, tooltip },
    },
    {
      name: `points_${i}`,
      mark: {
        type: "point" as const,
        filled: true,
        size: 36,
        opacity: 1,
        strokeWidth: 1.5,
        cursor: "pointer" as const,
      },
      encoding: {
        x,
        stroke: colour,
        fill: { condition: direction, value: "#ffffff" },
        tooltip,
        href: { field: "href" },
      },
    },
    {
      // every row, with empty text where the change is not significant (a filter would fork the data)
      mark: { type: "text" as const, align: "left" as const, dx: 4, fontSize: 10 },
      encoding: {
        x: { field: "changeHigh", type: "quantitative" as const },
        text: { field: "arrow" },
        color: colour,
      },
    },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    hconcat: order.organizations.map((organization, i) => ({
      title: { text: organization, fontSize: 13, fontWeight: "bold" as const },
      data: {
        values: figures
          .filter((f) => f.organization === organization)
          .map((f) => ({ ...f, direction: f.change > 0 ? "up" : "down" })),
      },
      width: order.organizations.length > 1 ? 170 : 420,
      height: { step: 13 },
      encoding: { y },
      layer: layer(i),
    })),
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}
