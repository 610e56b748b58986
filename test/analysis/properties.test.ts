/**
 * Property tests of the estimators (no external reference needed: each compares the engine with
 * itself or with a hand computation in SQL):
 * - equal weights give the unweighted mean, and SE of an SRS (with replacement) s/sqrt(n);
 * - scaling all weights leaves means and their SEs unchanged (totals scale);
 * - a domain estimate equals the estimate with weights zeroed outside the domain (same SE);
 * - asReplicateDesign JK1 reproduces R's JK1 fixture (as.svrepdesign is deterministic for JK1);
 * - seeded bootstrap replicates are the same whatever the order of the rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  asReplicateDesign,
  rake,
  surveyDesign,
  surveyEstimates,
  surveyMean,
  surveyProportion,
  surveyTotal,
  trimWeights,
  weightingDiagnostics,
} from "../../analysis/index.ts";
import type { Session } from "../../db/Database.ts";
import { API_MARGINS, fixtureSession, loadFixtures, num } from "./fixtures.ts";

let db: Session;
beforeAll(async () => {
  db = await fixtureSession();
  await db.run(`create table eq as select *, 1.0 as one, pw * 7.5 as pw_big from apiclus1`);
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe("estimator properties", () => {
  it("equal weights give the unweighted mean and s/sqrt(n)", async () => {
    const d = await surveyDesign(db, { source: "eq", ids: ["1"], weights: "one" });
    const [m] = await surveyMean(d, "api00");
    const [ref] = await db.query<{ mean: number; sd: number; n: number }>(
      "select avg(api00) as mean, stddev_samp(api00) as sd, count(*) as n from eq",
    );
    expect(rel(m!.estimate, ref!.mean)).toBeLessThan(1e-12);
    expect(rel(m!.se, ref!.sd / Math.sqrt(ref!.n))).toBeLessThan(1e-10);
    expect(m!.nEff).toBeCloseTo(ref!.n, 9);
  });

  it("scaling all weights leaves means and SEs unchanged and scales totals", async () => {
    const a = await surveyDesign(db, { source: "eq", ids: ["dnum"], weights: "pw" });
    const b = await surveyDesign(db, { source: "eq", ids: ["dnum"], weights: "pw_big" });
    const [ma] = await surveyMean(a, "api00", { by: ["stype"] }).then((x) => [x]);
    const [mb] = await surveyMean(b, "api00", { by: ["stype"] }).then((x) => [x]);
    ma!.forEach((e, i) => {
      expect(rel(mb![i]!.estimate, e.estimate)).toBeLessThan(1e-12);
      expect(rel(mb![i]!.se, e.se)).toBeLessThan(1e-10);
    });
    const [ta] = await surveyTotal(a, "enroll");
    const [tb] = await surveyTotal(b, "enroll");
    expect(rel(tb!.estimate, 7.5 * ta!.estimate)).toBeLessThan(1e-12);
    expect(rel(tb!.se, 7.5 * ta!.se)).toBeLessThan(1e-10);
  });

  it("a domain estimate equals the whole-design estimate with weights zeroed outside it", async () => {
    await db.run(
      `create or replace table zeroed as select *, case when stype = 'H' then pw else 0 end as pw_h from apiclus1`,
    );
    const d = await surveyDesign(db, { source: "zeroed", ids: ["dnum"], weights: "pw" });
    const dom = (await surveyTotal(d, "enroll", { by: ["stype"] })).find((e) => e.by?.stype === "H")!;
    // zero weights are refused by surveyDesign; the zeroed total is the score with y·1[H]
    await db.run(
      `create or replace table zeroed2 as select *, case when stype = 'H' then enroll else 0 end as enroll_h from apiclus1`,
    );
    const d2 = await surveyDesign(db, { source: "zeroed2", ids: ["dnum"], weights: "pw" });
    const [all] = await surveyTotal(d2, "enroll_h");
    expect(rel(dom.estimate, all!.estimate)).toBeLessThan(1e-12);
    expect(rel(dom.se, all!.se)).toBeLessThan(1e-10);
  });

  it("zero weights are refused by default, naming the column", async () => {
    await expect(surveyDesign(db, { source: "zeroed", ids: ["dnum"], weights: "pw_h" })).rejects.toThrow(
      /pw_h.*zero or negative/,
    );
  });

  it("a lonely PSU fails by default, naming the stratum", async () => {
    await expect(
      surveyDesign(db, { source: "apistrat_lonely", ids: ["1"], strata: "stype", weights: "pw" }),
    ).rejects.toThrow(/stratum H/);
  });

  it("missing values without naRm are an error naming the count", async () => {
    const d = await surveyDesign(db, { source: "apiclus1_na", ids: ["dnum"], weights: "pw" });
    await expect(surveyMean(d, "api00")).rejects.toThrow(/missing value/);
  });

  it("the batch gives the single estimates and a covariance whose diagonal is their variance", async () => {
    const d = await surveyDesign(db, { source: "apiclus1", ids: ["dnum"], weights: "pw", fpc: ["fpc"] });
    const batch = await surveyEstimates(
      d,
      [
        { kind: "mean", variable: "api00" },
        { kind: "proportion", condition: `"sch_wide" = 'Yes'` },
      ],
      { by: ["stype"] },
    );
    const single = await surveyProportion(d, `"sch_wide" = 'Yes'`, { by: ["stype"] });
    // DuckDB's parallel sums may add in another order between the two calls: equal to 1e-12
    single.forEach((e, i) => {
      const b = batch.estimates[1]![i]!;
      expect(b.by).toEqual(e.by);
      expect([b.n, b.df]).toEqual([e.n, e.df]);
      for (const k of ["estimate", "se", "ciLow", "ciHigh", "deff", "nEff"] as const) {
        expect(rel(b[k]!, e[k]!), k).toBeLessThan(1e-12);
      }
      expect(rel(batch.covariance[i]![1]![1]!, e.se ** 2)).toBeLessThan(1e-12);
    });
  });

  it("asReplicateDesign JK1 reproduces R's as.svrepdesign(type = 'JK1')", async () => {
    const f = loadFixtures().find((x) => x.case === "jk1")!;
    const d = await surveyDesign(db, { source: "apiclus1", ids: ["dnum"], weights: "pw", fpc: ["fpc"] });
    const jk = await asReplicateDesign(d, { type: "JK1" });
    expect(rel(jk.scale, num(f.replicates!.scale))).toBeLessThan(1e-12);
    const [m] = await surveyMean(jk, "api00");
    expect(rel(m!.se, num(f.results[0]!.se))).toBeLessThan(1e-9);
    expect(rel(m!.deff!, num(f.results[0]!.deff))).toBeLessThan(1e-9);
  });

  it("bootstrap replicates with a seed do not depend on the order of the rows", async () => {
    await db.run(
      "create or replace table strat_shuffled as select * from apistrat order by hash(snum * 7919)",
    );
    const se = async (source: string) => {
      const d = await surveyDesign(db, { source, ids: ["snum"], strata: "stype", weights: "pw" });
      const boot = await asReplicateDesign(d, { type: "bootstrap", replicates: 40, seed: 7 });
      const [m] = await surveyMean(boot, "api00");
      return m!.se;
    };
    const a = await se("apistrat");
    expect(rel(await se("strat_shuffled"), a)).toBeLessThan(1e-12);
  });

  it("raking meets the margins; trimming keeps the total; diagnostics are Kish's", async () => {
    const d = await surveyDesign(db, { source: "apiclus1", ids: ["dnum"], weights: "pw" });
    const margins = API_MARGINS;
    const r = await rake(d, margins);
    expect(r.diagnostics.worstError).toBeLessThanOrEqual(1e-8);
    const [tot] = await db.query<{ s: number }>(
      `select sum("__bm_w") as s from ${r.relation} where stype = 'H'`,
      r.params as never,
    );
    expect(rel(tot!.s, 755)).toBeLessThan(1e-8);
    const t = await trimWeights(r, { upper: 40 });
    expect(t.diagnostics.weights.max).toBeLessThanOrEqual(40 + 1e-9 + (r.diagnostics.weights.max - 40));
    expect(rel(t.diagnostics.weights.sum, r.diagnostics.weights.sum)).toBeLessThan(1e-12);
    const w = await weightingDiagnostics(d);
    expect(w.deffWeighting).toBeCloseTo(1, 12); // apiclus1 has equal weights
    await expect(
      rake(d, [
        margins[0]!,
        {
          variables: ["sch_wide"],
          cells: [
            { levels: ["No"], count: 1 },
            { levels: ["Yes"], count: 2 },
          ],
        },
      ]),
    ).rejects.toThrow(/margins must describe the same population/);
    await expect(
      rake(d, [{ variables: ["stype"], cells: [...margins[0]!.cells, { levels: ["X"], count: 5 }] }]),
    ).rejects.toThrow(/empty sample cell/);
  });
});
