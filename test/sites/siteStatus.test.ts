import { describe, expect, it } from "vitest";
import { type PeriodFigures, siteStatus } from "../../models/sites/siteStatus.ts";

// The exit mechanism, rule by rule, on hand-made figures (expected verdicts written out from
// the rules as study.yaml declares them).
const rules = {
  version: "v1",
  from_period: "2018H1",
  confidence: 0.95,
  threshold: 62,
  bottom_tier: { below: 68, consecutive: 2 },
  news: { minimum_per_month: 1, months: 3 },
};
const at = (ciLow: number, ciHigh: number, monthsBelowNewsMinimum = 0, period = "2020H2"): PeriodFigures => ({
  period,
  ciLow,
  ciHigh,
  combined: (ciLow + ciHigh) / 2,
  monthsBelowNewsMinimum,
});
const action = (r: ReturnType<typeof siteStatus>, rule: string) =>
  r.verdicts.find((v) => v.rule === rule)?.action;

describe("siteStatus: the declared exit rules", () => {
  it("threshold: exit review only when the upper limit is below the threshold", () => {
    const r = siteStatus(rules, at(50, 61.9), [at(70, 80, 0, "2020H1")]);
    expect(action(r, "threshold")).toBe("exit_review");
    expect(r.status).toBe("exit_review");
    expect(r.verdicts[0]?.figures).toMatchObject({ threshold: 62, ci_high: 61.9 });
  });

  it("threshold: an interval that straddles it is watch, never exit", () => {
    const r = siteStatus(rules, at(58, 66), [at(70, 80, 0, "2020H1")]);
    expect(action(r, "threshold")).toBe("watch");
    expect(r.status).toBe("watch");
  });

  it("threshold: an interval whose upper limit equals the threshold straddles it", () => {
    expect(action(siteStatus(rules, at(55, 62), []), "threshold")).toBe("watch");
  });

  it("bottom tier: confidently below in two half-years running is exit review; once is watch", () => {
    const once = siteStatus(rules, at(62.5, 67), [at(70, 80, 0, "2020H1")]);
    expect(action(once, "bottom_tier")).toBe("watch");
    expect(once.status).toBe("watch");
    const twice = siteStatus(rules, at(62.5, 67), [at(60.5, 67.9, 0, "2020H1")]);
    expect(action(twice, "bottom_tier")).toBe("exit_review");
    expect(twice.verdicts.find((v) => v.rule === "bottom_tier")?.figures.half_years_below).toBe(2);
  });

  it("bottom tier: a first half-year cannot make a run of two", () => {
    expect(action(siteStatus(rules, at(62.5, 67), []), "bottom_tier")).toBe("watch");
  });

  it("news: three months under the monthly minimum is exit review; two is not", () => {
    expect(action(siteStatus(rules, at(75, 85, 3), []), "news")).toBe("exit_review");
    expect(siteStatus(rules, at(75, 85, 3), []).status).toBe("exit_review");
    expect(action(siteStatus(rules, at(75, 85, 2), []), "news")).toBe("none");
    expect(siteStatus(rules, at(75, 85, 2), []).status).toBe("good_standing");
  });

  it("guard: a site whose interval straddles the threshold is never on exit review, whatever fired", () => {
    // news and bottom tier would both say exit review; the interval 60–67 straddles 62.
    const r = siteStatus(rules, at(60, 67, 4), [at(60, 67.5, 0, "2020H1")]);
    expect(r.status).toBe("watch");
    expect(r.verdicts.some((v) => v.action === "exit_review")).toBe(false);
    expect(action(r, "guard")).toBe("watch");
  });

  it("a site well above every line is in good standing", () => {
    const r = siteStatus(rules, at(72, 80), [at(70, 78, 0, "2020H1")]);
    expect(r.status).toBe("good_standing");
    expect(r.verdicts.map((v) => v.action)).toEqual(["none", "none", "none"]);
  });
});
