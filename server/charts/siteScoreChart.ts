import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "./figure.ts";

export interface SitePoint {
  site: string;
  label: string;
  combined: number;
  low: number;
  high: number;
  status: string;
}

/**
 * Each site's combined score as a dot with its interval as a line, sorted by score, and the
 * exit line as a rule: a leader sees at a glance which sites sit confidently above or below
 * it and which straddle it. The dots are the marks named "points".
 */
export function siteScoreChart(
  points: SitePoint[],
  labels: { title: string; value: string; site: string; status: string; exitLine: string },
  threshold: number,
): TopLevelSpec {
  const y = {
    field: "label",
    type: "nominal" as const,
    sort: { field: "combined", order: "descending" as const },
    title: null,
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    width: "container",
    height: Math.max(120, 16 * points.length),
    data: { values: points },
    layer: [
      {
        mark: { type: "rule" },
        encoding: {
          y,
          x: { field: "low", type: "quantitative", title: labels.value, scale: { zero: false } },
          x2: { field: "high" },
          color: { value: "#7a8793" },
        },
      },
      {
        name: "points",
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          y,
          x: { field: "combined", type: "quantitative" },
          color: {
            field: "status",
            type: "nominal",
            title: labels.status,
            scale: {
              domain: ["good_standing", "watch", "exit_review"],
              range: ["#1b6ca8", "#d08c00", "#b2182b"],
            },
            legend: null,
          },
          tooltip: [
            { field: "site", title: labels.site },
            { field: "combined", title: labels.value, format: ".1f" },
            { field: "low", format: ".1f" },
            { field: "high", format: ".1f" },
          ],
        },
      },
      {
        data: { values: [{ threshold, label: labels.exitLine }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "#b2182b" },
        encoding: { x: { field: "threshold", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

/** One site's combined score over the half-years, its interval as a band, the exit line as a rule. */
export function siteTrendChart(
  points: { period: string; combined: number; low: number; high: number }[],
  labels: { title: string; value: string; period: string },
  threshold: number,
): TopLevelSpec {
  const x = { field: "period", type: "ordinal" as const, title: labels.period };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: labels.title,
    width: "container",
    height: 220,
    data: { values: points },
    layer: [
      {
        mark: { type: "area", opacity: 0.2, color: "#1b6ca8" },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title: labels.value, scale: { zero: false } },
          y2: { field: "high" },
        },
      },
      {
        mark: { type: "line", color: "#1b6ca8" },
        encoding: { x, y: { field: "combined", type: "quantitative" } },
      },
      {
        name: "points",
        mark: { type: "point", filled: true, color: "#1b6ca8" },
        encoding: { x, y: { field: "combined", type: "quantitative" } },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "#b2182b" },
        encoding: { y: { field: "threshold", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}
