import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { districtIndexChart, PALETTE } from "../../server/charts/districtIndexChart.ts";
import { packageDir } from "../../server/packageDir.ts";

// Every chart spec is checked against the Vega-Lite JSON schema shipped with vega-lite.
const schema = JSON.parse(readFileSync(join(packageDir("vega-lite"), "build/vega-lite-schema.json"), "utf8"));
const validate = new Ajv({ strict: false, allowUnionTypes: true }).compile(schema);

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
