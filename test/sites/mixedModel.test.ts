import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fitMixedModel } from "../../analysis/mixed/index.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";

// Against R lme4 1.1.31 (test/fixtures/lme4/make-fixtures.R, bobyqa to rhoend 1e-10), on the
// demo's assessment totals of three half-years. lme4 and this code minimise the same profiled
// REML (or ML) deviance, so variance components, fixed effects, BLUPs and condVar agree to the
// optimisers' precision.
const study = loadSiteStudy("examples/demonstration-sites");
const relClose = (actual: number, expected: number, tol: number) =>
  expect(Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-8)).toBeLessThan(tol);

type Fixture = {
  reliability: {
    site_variance: number;
    assessor_variance: number;
    residual_variance: number;
    intercept: number;
    intercept_se: number;
    reml_criterion: number;
    assessor_blup: Record<string, number>;
    assessor_condvar: Record<string, number>;
  };
  reliability_ml: {
    site_variance: number;
    assessor_variance: number;
    residual_variance: number;
    deviance: number;
  };
  scoring: {
    assessor_variance: number;
    residual_variance: number;
    site: Record<string, number>;
    site_se: Record<string, number>;
  };
};

describe.each(["2018H1", "2019H2", "2020H2"])("mixed models of the %s assessments against lme4", (period) => {
  const fixture = JSON.parse(readFileSync(`test/fixtures/lme4/sites-${period}.json`, "utf8")) as Fixture;
  const rows = study.assessments.filter((a) => a.period === period);
  // The R script's total: six equally weighted haves of two 0–5 items each, on 0–100.
  const y = rows.map((a) => (100 * Object.values(a.items).reduce((s, x) => s + x, 0)) / 60);
  const site = rows.map((a) => a.site_id);
  const assessor = rows.map((a) => a.assessor_id);

  it("y ~ 1 + (1|site) + (1|assessor), REML: variances, intercept, criterion, BLUPs and condVar", () => {
    const m = fitMixedModel({
      y,
      x: y.map(() => [1]),
      xNames: ["(Intercept)"],
      random: [
        { name: "site", levels: site },
        { name: "assessor", levels: assessor },
      ],
    });
    const r = fixture.reliability;
    relClose(m.variances[0]?.variance as number, r.site_variance, 1e-5);
    relClose(m.variances[1]?.variance as number, r.assessor_variance, 1e-5);
    relClose(m.residualVariance, r.residual_variance, 1e-5);
    relClose(m.fixed[0]?.estimate as number, r.intercept, 1e-8);
    relClose(m.fixed[0]?.se as number, r.intercept_se, 1e-5);
    expect(m.deviance).toBeCloseTo(r.reml_criterion, 6);
    for (const e of m.random.assessor ?? []) {
      expect(e.blup).toBeCloseTo(r.assessor_blup[e.level] as number, 4);
      relClose(e.condVar, r.assessor_condvar[e.level] as number, 1e-4);
    }
  });

  it("the same model by ML", () => {
    const m = fitMixedModel({
      y,
      x: y.map(() => [1]),
      xNames: ["(Intercept)"],
      random: [
        { name: "site", levels: site },
        { name: "assessor", levels: assessor },
      ],
      method: "ml",
    });
    relClose(m.variances[0]?.variance as number, fixture.reliability_ml.site_variance, 1e-5);
    relClose(m.variances[1]?.variance as number, fixture.reliability_ml.assessor_variance, 1e-5);
    relClose(m.residualVariance, fixture.reliability_ml.residual_variance, 1e-5);
    expect(m.deviance).toBeCloseTo(fixture.reliability_ml.deviance, 6);
  });

  it("y ~ 0 + site + (1|assessor), REML: the site scores and their SEs", () => {
    const sites = [...new Set(site)].sort();
    const m = fitMixedModel({
      y,
      x: site.map((s) => sites.map((t) => (t === s ? 1 : 0))),
      xNames: sites,
      random: [{ name: "assessor", levels: assessor }],
    });
    relClose(m.variances[0]?.variance as number, fixture.scoring.assessor_variance, 1e-5);
    relClose(m.residualVariance, fixture.scoring.residual_variance, 1e-5);
    for (const f of m.fixed) {
      relClose(f.estimate, fixture.scoring.site[f.name] as number, 1e-7);
      relClose(f.se, fixture.scoring.site_se[f.name] as number, 1e-5);
    }
  });
});

describe("fitMixedModel edge cases", () => {
  it("a variance whose estimate is 0 lands on the boundary, as lme4's bounded optimiser does", () => {
    // Hand-made: in every site each assessor gives one low and one high score, so the
    // assessors do not differ at all and the REML estimate of their variance is 0. Then REML
    // is the one-way ANOVA estimator: σ²_e = within-site mean square = 12 / 9 (each site: four
    // scores at its mean ± 1), σ²_site = (between mean square − σ²_e) / 4 = (400 − 12/9) / 4.
    const y = [10, 12, 10, 12, 20, 22, 20, 22, 30, 32, 30, 32];
    const site = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"];
    const assessor = ["p", "p", "q", "q", "p", "p", "q", "q", "p", "p", "q", "q"];
    const m = fitMixedModel({
      y,
      x: y.map(() => [1]),
      xNames: ["(Intercept)"],
      random: [
        { name: "site", levels: site },
        { name: "assessor", levels: assessor },
      ],
    });
    expect(m.variances[1]?.variance).toBe(0);
    // To the optimiser's precision (lme4 itself gives 1.333334 and 99.6665 here).
    expect(m.residualVariance).toBeCloseTo(12 / 9, 5);
    expect(m.variances[0]?.variance).toBeCloseTo((400 - 12 / 9) / 4, 4);
  });

  it("refuses a rank-deficient fixed-effects design, naming the problem", () => {
    expect(() =>
      fitMixedModel({
        y: [1, 2, 3, 4],
        x: [
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        xNames: ["a", "b"],
        random: [],
      }),
    ).toThrow(/rank deficient/);
  });
});
