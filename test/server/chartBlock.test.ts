import { describe, expect, it } from "vitest";
import { message } from "../../messages/catalogue.ts";
import { trendChart } from "../../server/charts/trendChart.ts";
import { chartBlock } from "../../server/routes/chartBlock.ts";

// A chart with nothing to draw is its title and a sentence: a Vega scale over no data would
// label its one tick 0.000000.
describe("chartBlock", () => {
  const labels = {
    title: "Composite over the waves",
    value: "v",
    organization: "o",
    ciLow: "l",
    ciHigh: "h",
    wave: "w",
  };
  it("writes no spec for an empty chart, only its title and why it is empty, in the page's language", () => {
    const spec = trendChart([], labels, { organizations: ["Trade union"], waves: ["2026"] });
    for (const lang of ["zh", "en"] as const) {
      const block = chartBlock("chart-x", spec, 0, "points", "", lang).value;
      expect(block).toContain("Composite over the waves");
      expect(block).toContain(message("table.empty_chart", lang));
      expect(block).not.toContain("application/json");
      expect(block).not.toContain('class="chart"');
    }
  });

  it("writes the spec of a chart with figures", () => {
    const spec = trendChart(
      [{ organization: "Trade union", wave: "2026", estimate: 60, ciLow: 58, ciHigh: 62, n: 100 }],
      labels,
      { organizations: ["Trade union"], waves: ["2026"] },
    );
    expect(chartBlock("chart-x", spec, 1, "points", "", "en").value).toContain('data-spec-id="chart-x-spec"');
  });
});
