import { describe, expect, it } from "vitest";
import { breakdownChart } from "../../server/charts/breakdownChart.ts";
import { changeChart } from "../../server/charts/changeChart.ts";
import { districtIndexChart, PALETTE } from "../../server/charts/districtIndexChart.ts";
import { tierColours } from "../../server/charts/figure.ts";
import { heatTableChart } from "../../server/charts/heatTableChart.ts";
import { itemsChart } from "../../server/charts/itemsChart.ts";
import { scorecardChart } from "../../server/charts/scorecardChart.ts";
import { townshipTierChart } from "../../server/charts/townshipTierChart.ts";
import { trendChart } from "../../server/charts/trendChart.ts";
import { validateVegaLite } from "../helpers/vegaLite.ts";

// Every chart spec is checked against the Vega-Lite JSON schema shipped with vega-lite.
const validate = validateVegaLite;

describe("chart specs", () => {
  it("districtIndexChart is a valid Vega-Lite spec with one point and one rule per figure", () => {
    const figures = [
      { organization: "工会", wave: "2024", estimate: 55.2, ciLow: 51, ciHigh: 59.1, n: 2000 },
      { organization: "<b>妇联</b>", wave: "2024", estimate: null, ciLow: null, ciHigh: null, n: 3 },
    ];
    const spec = districtIndexChart(figures, { title: "t", value: "v", wave: "w", organization: "o" });
    expect(validate(spec), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // withheld figures (no estimate) are not drawn
    expect((spec as { data: { values: unknown[] } }).data.values).toHaveLength(1);
    expect(PALETTE[0]).toBe("#0072B2");
  });
});

// The leaders' charts: each builder's spec is valid Vega-Lite, draws one named mark per shown
// figure, and carries labels as data (a "<b>" in a name stays text for Vega to draw).
describe("leaders' chart specs", () => {
  const labels = {
    title: "t",
    value: "v",
    category: "c",
    organization: "o",
    ciLow: "lo",
    ciHigh: "hi",
    change: "ch",
    wave: "w",
  };
  const fig = (organization: string, category: string, estimate: number, extra: object = {}) => ({
    organization,
    category,
    estimate,
    ciLow: estimate - 3,
    ciHigh: estimate + 3,
    n: 120,
    ...extra,
  });
  const orgs = ["工会", "<b>妇联</b>"];
  const valid = (spec: unknown) =>
    expect(validate(spec), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);

  it("scorecardChart: a dot per figure, an arrow only where the change is significant", () => {
    const spec = scorecardChart(
      [fig("工会", "综合指数", 61, { arrow: "▲ +2.7" }), fig("<b>妇联</b>", "综合指数", 63)],
      labels,
      { organizations: orgs, indices: ["综合指数"] },
    );
    valid(spec);
    const data = (spec as { data: { values: { arrow: string; organization: string }[] } }).data.values;
    expect(data.map((d) => d.arrow)).toEqual(["▲ +2.7", ""]);
    expect(data[1]!.organization).toBe("<b>妇联</b>");
    expect(JSON.stringify(spec)).toContain('"name":"points"');
  });

  it("breakdownChart: one panel per variable, each with only its own groups", () => {
    const spec = breakdownChart(
      [fig("工会", "男", 60, { panel: "性别" }), fig("工会", "16–29岁", 55, { panel: "年龄组" })],
      labels,
      { organizations: orgs, groups: ["男", "16–29岁"], variables: ["性别", "年龄组"] },
    );
    valid(spec);
    const panels = (
      spec as { vconcat: { data: { values: unknown[] }; encoding: { y: { sort: string[] } } }[] }
    ).vconcat;
    expect(panels).toHaveLength(2);
    expect(panels.map((p) => p.data.values.length)).toEqual([1, 1]);
    expect(panels[1]!.encoding.y.sort).toEqual(["16–29岁"]);
  });

  it("itemsChart is valid", () => {
    valid(itemsChart([fig("工会", "服务群众", 70)], labels, { organizations: orgs, items: ["服务群众"] }));
  });

  it("townshipTierChart: a panel per organization, tiers on a ramp where worse reads as worse, dots link to unit pages", () => {
    const spec = townshipTierChart(
      [
        { ...fig("工会", "", 70), township: "竹和街道", tier: "第1档", href: "/units/T01" },
        { ...fig("<b>妇联</b>", "", 50), township: "福林街道", tier: "第2档", href: "/units/T02" },
      ],
      { ...labels, township: "镇", tier: "档" },
      { organizations: orgs, tiers: ["第1档", "第2档"] },
    );
    valid(spec);
    const panels = (spec as { hconcat: { data: { values: unknown[] } }[] }).hconcat;
    expect(panels.map((p) => p.data.values.length)).toEqual([1, 1]);
    expect(
      (spec as { hconcat: { encoding: { color: { scale: { range: string[] } } } }[] }).hconcat[0]!.encoding
        .color.scale.range,
    ).toEqual(tierColours(2));
  });

  it("tierColours: sequential light orange to dark red, each tier darker than the one before, none green", () => {
    // relative luminance (WCAG) falls tier by tier: the worst tier is the darkest
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => {
        const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const colours = tierColours(n);
      expect(colours).toHaveLength(n);
      for (let i = 1; i < n; i++) expect(luminance(colours[i]!)).toBeLessThan(luminance(colours[i - 1]!));
      // not green: red dominates green in every tier (YlOrRd runs yellow to red)
      for (const c of colours)
        expect(Number.parseInt(c.slice(1, 3), 16)).toBeGreaterThan(Number.parseInt(c.slice(3, 5), 16));
    }
    expect(tierColours(3)).toEqual(["#feb24c", "#e31a1c", "#800026"]);
  });

  it("changeChart: a panel per organization, the change's interval, arrows only where significant", () => {
    const change = (township: string, c: number, significant: boolean) => ({
      township,
      organization: "工会",
      change: c,
      changeLow: c - 3,
      changeHigh: c + 3,
      significant,
      arrow: significant ? (c > 0 ? "▲" : "▼") : "",
      significance: significant ? "显著" : "不显著",
      href: "/units/T01",
    });
    const spec = changeChart(
      [change("竹和街道", 5, true), change("福林街道", -1, false), change("<b>x</b>", -6, true)],
      {
        title: "t",
        change: "c",
        changeLow: "l",
        changeHigh: "h",
        township: "镇",
        organization: "组织",
        significance: "s",
      },
      { organizations: ["工会", "妇联"] },
    );
    valid(spec);
    const panels = (spec as { hconcat: { data: { values: { arrow: string }[] } }[] }).hconcat;
    expect(panels.map((p) => p.data.values.length)).toEqual([3, 0]);
    expect(panels[0]!.data.values.map((v) => v.arrow)).toEqual(["▲", "", "▼"]);
  });

  it("heatTableChart: withheld cells are kept (grey, with the reason) rather than dropped", () => {
    const cell = (township: string, estimate: number | null) => ({
      township,
      organization: "工会",
      estimate,
      ciLow: estimate,
      ciHigh: estimate,
      text: estimate === null ? "不公布" : String(estimate),
      reason: estimate === null ? "样本量不足（n < 30）" : "",
      href: "/units/T01",
    });
    const spec = heatTableChart(
      [cell("竹和街道", 61.2), cell("福林街道", null)],
      { ...labels, township: "镇", reason: "r" },
      {
        organizations: ["工会"],
        townships: ["竹和街道", "福林街道"],
      },
    );
    valid(spec);
    expect((spec as { data: { values: unknown[] } }).data.values).toHaveLength(2);
    const json = JSON.stringify(spec);
    expect(json).toContain('"invalid":null');
    // lower scores darker and redder (YlOrRd reversed), as the tiers; long headers wrap at spaces
    expect(json).toContain("yelloworangered");
    expect(json).toContain('"reverse":true');
    expect(json).toContain("split(datum.label, ' ')");
  });

  it("trendChart: the waves in the given order", () => {
    const spec = trendChart(
      [
        { ...fig("工会", "", 58), wave: "2025" },
        { ...fig("工会", "", 61), wave: "2026" },
      ],
      labels,
      { organizations: ["工会"], waves: ["2025", "2026"] },
    );
    valid(spec);
    expect((spec as { encoding: { x: { sort: string[] } } }).encoding.x.sort).toEqual(["2025", "2026"]);
  });
});
