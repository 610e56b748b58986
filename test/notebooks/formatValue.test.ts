import { describe, expect, it } from "vitest";
import { columnKind, formatValue, localTime, type StudyNames } from "../../notebooks/engine/index.ts";

// The one number and name format of notebook tables, against values worked by hand.
const names: StudyNames = {
  title: { zh: "研究", en: "Study" },
  timeZone: "Asia/Shanghai",
  organization: new Map([["union", { zh: "工会", en: "Trade union" }]]),
  indicator: new Map([["composite", { zh: "综合指数", en: "Composite index" }]]),
  township: new Map([["T01", { zh: "竹和街道", en: "Zhuhe Subdistrict" }]]),
  wave: new Map([["2026", { zh: "2026年度调查", en: "2026 survey" }]]),
};

describe("formatValue: one format per kind", () => {
  it("counts with thousands separators, estimates 1 decimal, p-values 3, design effects 2", () => {
    expect(formatValue(1985, "count", "zh", names)).toBe("1,985");
    expect(formatValue(1290.4, "count", "zh", names)).toBe("1,290");
    expect(formatValue(78.3, "estimate", "zh", names)).toBe("78.3");
    expect(formatValue(18, "estimate", "zh", names)).toBe("18.0");
    expect(formatValue(1395, "estimate", "en", names)).toBe("1,395.0");
    expect(formatValue(-0.9, "estimate", "en", names)).toBe("-0.9");
    expect(formatValue(-0.04, "estimate", "en", names)).toBe("0.0"); // no "-0.0"
    expect(formatValue(0.0621, "p_value", "en", names)).toBe("0.062");
    expect(formatValue(0.0001, "p_value", "en", names)).toBe("<0.001");
    expect(formatValue(2.4653, "deff", "en", names)).toBe("2.47");
    expect(formatValue(5.88e-9, "tolerance", "en", names)).toBe("5.9×10⁻⁹");
    expect(formatValue(null, "estimate", "en", names)).toBe("—");
  });

  it("ids by the study's names, booleans and coded values in the reader's language", () => {
    expect(formatValue("union", "organization", "zh", names)).toBe("工会");
    expect(formatValue("union", "organization", "en", names)).toBe("Trade union");
    expect(formatValue("composite", "indicator", "zh", names)).toBe("综合指数");
    expect(formatValue("T01", "township", "en", names)).toBe("Zhuhe Subdistrict");
    expect(formatValue("2026", "wave", "zh", names)).toBe("2026年度调查");
    expect(formatValue("T99", "township", "en", names)).toBe("T99"); // unknown: as written
    expect(formatValue(true, "boolean", "zh", names)).toBe("是");
    expect(formatValue(false, "boolean", "en", names)).toBe("no");
    expect(formatValue("village", "values", "zh", names, "org_level")).toBe("村（社区）级");
  });

  it("times in the study's time zone: 10:12 UTC is 18:12 in Asia/Shanghai", () => {
    expect(localTime("2026-12-04 10:12:44.43723+00", "Asia/Shanghai")).toBe("2026-12-04 18:12");
    expect(localTime("2026-12-04T20:30:00.000Z", "Asia/Shanghai")).toBe("2026-12-05 04:30");
    expect(formatValue("2026-12-04 10:12:44+00", "time", "zh", names)).toBe("2026-12-04 18:12");
  });

  it("a column's kind: the catalogue's, else from its name, else from its value", () => {
    expect(columnKind("p_value")).toBe("p_value");
    expect(columnKind("n_whatever")).toBe("count");
    expect(columnKind("change_p_value")).toBe("p_value");
    expect(columnKind("deff_x")).toBe("deff");
    expect(columnKind("some_share", 0.5)).toBe("estimate");
    expect(columnKind("some_count", 3)).toBe("count");
  });
});
