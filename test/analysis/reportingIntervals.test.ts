/**
 * `reportingIntervals`, the one rule the marts publish and sim:coverage scores. Checked against
 * the engine's single estimators (surveyMean / surveyProportion with an explicit df) and the
 * interval formulas written out here: "nominal" puts rates' logit intervals on normal quantiles
 * and means on t with the Satterthwaite df (a composite on the smallest df of its parts, a rate
 * counting as ∞), "r" is R survey's defaults (means and composite normal, rates t on the design
 * df). A two-stage design with an fpc at both stages,
 * so the Satterthwaite df differs from the design df, and a with-replacement one, where they
 * are equal.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { qnorm } from "../../analysis/distributions/qnorm.ts";
import { qt } from "../../analysis/distributions/qt.ts";
import {
  type Estimate,
  reportingIntervals,
  surveyDesign,
  surveyEstimates,
  surveyMean,
  surveyProportion,
} from "../../analysis/index.ts";
import { type Session, sessionOf } from "../../db/Database.ts";

let db: Session;
beforeAll(async () => {
  const instance = await DuckDBInstance.create(":memory:");
  db = sessionOf(await instance.connect());
  // 3 strata x 3 PSUs x 3-6 respondents; a 0/100 rate and a 0-100 score (some missing)
  const rows: string[] = [];
  let id = 0;
  for (let h = 0; h < 3; h++)
    for (let p = 0; p < 3; p++)
      for (let j = 0; j < 3 + ((h + 2 * p) % 4); j++) {
        id++;
        const rate = (id * 7 + h) % 3 === 0 ? 100 : 0;
        const score = id % 5 === 0 ? "null" : String(((id * 13 + 5 * p) % 9) * 12.5);
        rows.push(`('S${h}', 'S${h}P${p}', ${id}, ${5 + h}, ${8 + p}, ${rate}, ${score})`);
      }
  await db.run(
    "create table d (stratum varchar, psu varchar, id integer, N1 double, N2 double, rate double, score double)",
  );
  await db.run(`insert into d values ${rows.join(", ")}`);
});

const designs = {
  "two-stage fpc": () =>
    surveyDesign(db, { source: "d", ids: ["psu", "id"], strata: "stratum", fpc: ["N1", "N2"] }),
  "with replacement": () => surveyDesign(db, { source: "d", ids: ["psu"], strata: "stratum" }),
};
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9 * Math.max(1, Math.abs(b)));
/** the same df (DuckDB's parallel sums may differ in the last bits between calls) */
const sameDf = (a: number, b: number) => (Number.isFinite(b) ? close(a, b) : expect(a).toBe(b));

describe("reportingIntervals", () => {
  for (const [name, make] of Object.entries(designs)) {
    it(`${name}: nominal = rates normal (two-stage) or t on the design df, means t on their Satterthwaite df; r = R's defaults`, async () => {
      const design = await make();
      const by = ["stratum"];
      for (const ruleName of ["nominal", "r"] as const) {
        const rule = reportingIntervals(ruleName);
        const requests = [rule.request("proportion", "rate", design), rule.request("mean", "score", design)];
        const batch = await surveyEstimates(design, requests, { by, naRm: true, df: rule.df });
        const df = ruleName === "nominal" ? ("satterthwaite" as const) : undefined;
        // nominal: a rate on normal quantiles where the variance has a stage-2 term, else as R
        const twoStage = name === "two-stage fpc";
        const props = await surveyProportion(design, '"rate" = 100', {
          by,
          naRm: true,
          df: ruleName === "nominal" ? (twoStage ? "inf" : "satterthwaite") : undefined,
        });
        const means = await surveyMean(design, "score", { by, naRm: true, df });
        batch.estimates[0]!.forEach((e, d) => {
          const single = props[d]!;
          close(e.estimate, single.estimate);
          sameDf(e.df, single.df);
          close(e.ciLow, single.ciLow);
          close(e.ciHigh, single.ciHigh);
          // R: svyciprop(method = "logit") is t on the design df (PSUs − strata: 3 − 1);
          // nominal on a two-stage variance: svyciprop(method = "logit", df = Inf)
          expect(e.df).toBe(ruleName === "nominal" && twoStage ? Number.POSITIVE_INFINITY : 2);
        });
        batch.estimates[1]!.forEach((m, d) => {
          close(m.estimate, means[d]!.estimate);
          sameDf(m.df, means[d]!.df);
          const q = qt(0.975, m.df);
          close(m.ciHigh - m.estimate, q * m.se);
          close(m.estimate - m.ciLow, q * m.se);
          if (ruleName === "r") {
            expect(m.df).toBe(Number.POSITIVE_INFINITY);
            close(m.ciHigh - m.estimate, qnorm(0.975) * m.se);
          } else expect(Number.isFinite(m.df)).toBe(true);
        });
        // the composite 0.4·rate + 0.6·score: L V L', its df the smaller of its parts'
        batch.estimates[0]!.forEach((p, d) => {
          const m = batch.estimates[1]![d]!;
          const c = rule.composite(
            [
              { weight: 0.4, scale: 100, index: 0, estimate: p },
              { weight: 0.6, scale: 1, index: 1, estimate: m },
            ],
            batch.covariance[d]!,
            0.9,
          );
          const V = batch.covariance[d]!;
          const variance = 40 * 40 * V[0]![0]! + 2 * 40 * 0.6 * V[0]![1]! + 0.6 * 0.6 * V[1]![1]!;
          close(c.estimate, 40 * p.estimate + 0.6 * m.estimate);
          close(c.se, Math.sqrt(variance));
          expect(c.df).toBe(ruleName === "r" ? Number.POSITIVE_INFINITY : Math.min(p.df, m.df));
          close(c.ciHigh - c.estimate, qt(0.95, c.df) * c.se);
          close(c.estimate - c.ciLow, qt(0.95, c.df) * c.se);
        });
      }
    });
  }

  it("the two-stage fpc design has its own df (not the design's), the with-replacement one the design's", async () => {
    const rule = reportingIntervals("nominal");
    const twoStageDesign = await designs["two-stage fpc"]();
    const wrDesign = await designs["with replacement"]();
    const [twoStage] = (
      await surveyEstimates(twoStageDesign, [rule.request("mean", "score", twoStageDesign)], {
        naRm: true,
        df: rule.df,
      })
    ).estimates;
    const [wr] = (
      await surveyEstimates(wrDesign, [rule.request("mean", "score", wrDesign)], {
        naRm: true,
        df: rule.df,
      })
    ).estimates;
    expect(wr![0]!.df).toBe(6); // 9 PSUs − 3 strata
    expect(twoStage![0]!.df).not.toBeCloseTo(6, 3);
  });

  it("a composite's df ignores a part without variance (rounding noise has no df worth taking)", () => {
    const rule = reportingIntervals("nominal");
    const part = (df: number, se: number) => ({ estimate: 0.5, se, df, ciLow: 0, ciHigh: 1 }) as Estimate;
    // the first part's answers are all alike: its variance is rounding noise, its df arbitrary
    const noisy = [
      { weight: 0.5, scale: 100, index: 0, estimate: part(1.3, 1e-16) },
      { weight: 0.5, scale: 1, index: 1, estimate: part(4.2, 8) },
    ];
    const V = [
      [1e-32, 0],
      [0, 64],
    ];
    const c = rule.composite(noisy, V, 0.95);
    expect(c.df).toBe(4.2);
    close(c.se, 4);
    close(c.ciHigh - c.estimate, qt(0.975, 4.2) * 4);
    // both carry variance: the smaller df
    const both = rule.composite(
      noisy,
      [
        [1e-4, 0],
        [0, 64],
      ],
      0.95,
    );
    expect(both.df).toBe(1.3);
    // neither: the smallest of all
    expect(
      rule.composite(
        noisy,
        [
          [0, 0],
          [0, 0],
        ],
        0.95,
      ).df,
    ).toBe(1.3);
  });

  it("refuses an unknown rule", () => {
    expect(() => reportingIntervals("wald" as "nominal")).toThrow(/"nominal" or "r"/);
  });
});
