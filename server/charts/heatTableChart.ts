import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, WITHHELD_GREY } from "./figure.ts";

/** Line height of the column headers (12 px bold). */
const LINE = 14;

export interface HeatCell {
  township: string;
  organization: string;
  /** null when withheld: the cell is grey and its text says so. */
  estimate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** What the cell shows: "61.2", or the withheld mark. */
  text: string;
  /** Why it is withheld, in words ("" when shown). */
  reason: string;
  /** The township's unit page. */
  href: string;
}

/**
 * The organization × township table as a heat map: one cell per organization and township (the
 * mark named "cells"), shaded by the estimate on a colour-blind-safe sequential scale (YlOrRd,
 * reversed: the lower the score, the darker and redder, as the tiers),
 * the value written in the cell; withheld figures are grey cells with the reason in the tooltip.
 */
export function heatTableChart(
  cells: HeatCell[],
  labels: {
    title: string;
    value: string;
    township: string;
    organization: string;
    ciLow: string;
    ciHigh: string;
    reason: string;
  },
  order: { organizations: string[]; townships: string[] },
): TopLevelSpec {
  const shown = cells.map((c) => c.estimate).filter((v): v is number => v !== null);
  const lo = shown.length ? Math.floor(Math.min(...shown) / 5) * 5 : 0;
  const hi = shown.length ? Math.ceil(Math.max(...shown) / 5) * 5 : 100;
  const mid = (lo + hi) / 2;
  const lines = Math.max(1, ...order.organizations.map((o) => o.split(" ").length));
  const tooltip = [
    { field: "township", type: "nominal" as const, title: labels.township },
    { field: "organization", type: "nominal" as const, title: labels.organization },
    { field: "text", type: "nominal" as const, title: labels.value },
    { field: "ciLow", type: "quantitative" as const, format: ".1f", title: labels.ciLow },
    { field: "ciHigh", type: "quantitative" as const, format: ".1f", title: labels.ciHigh },
    { field: "reason", type: "nominal" as const, title: labels.reason },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    data: { values: cells },
    width: { step: 110 },
    height: { step: 18 },
    encoding: {
      x: {
        field: "organization",
        type: "nominal",
        title: null,
        sort: order.organizations,
        // long names wrap at their spaces, one word a line ("Communist / Youth / League"), so
        // neighbouring headers never run into each other (a Chinese name has none and is short);
        // Vega writes a label's further lines below its first, so the labels are raised by them
        axis: {
          orient: "top",
          labelAngle: 0,
          labelFontSize: 12,
          labelFontWeight: "bold",
          labelExpr: "split(datum.label, ' ')",
          labelLineHeight: LINE,
          labelPadding: 4 + (lines - 1) * LINE,
          labelLimit: 0,
        },
      },
      y: {
        field: "township",
        type: "nominal",
        title: null,
        sort: order.townships,
        axis: { labelLimit: 160 },
      },
      tooltip,
    },
    layer: [
      {
        name: "cells",
        // invalid: null keeps withheld cells (no estimate), which the colour condition paints grey
        mark: { type: "rect", stroke: "#ffffff", strokeWidth: 1, invalid: null, cursor: "pointer" },
        encoding: {
          href: { field: "href" },
          color: {
            condition: { test: "datum.estimate === null", value: WITHHELD_GREY },
            field: "estimate",
            type: "quantitative",
            title: labels.value,
            scale: { scheme: { name: "yelloworangered", extent: [0.1, 1] }, domain: [lo, hi], reverse: true },
            legend: { orient: "top", direction: "horizontal", gradientLength: 200 },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "text" },
          color: {
            condition: { test: `datum.estimate !== null && datum.estimate < ${mid}`, value: "#ffffff" },
            value: "#1b1b1b",
          },
        },
      },
    ],
  };
}
