/**
 * Notebook estimate blocks with the estimators of issue 15 (quantile, beta proportion, ttest,
 * chisq, glm), run by the notebook engine on rows as the sandbox returns them, against R
 * `survey` 4.1.1 (test/fixtures/r-survey/toolbox/toolbox.json, made by make-toolbox.R).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { qnorm, qt } from "../../analysis/index.ts";
import { runEstimate } from "../../notebooks/engine/runEstimate.ts";
import type { EstimateBlock } from "../../notebooks/engine/types.ts";
import type { SandboxSuccess } from "../../server/sandbox/index.ts";

const R = join(import.meta.dirname, "../fixtures/r-survey");
const toolbox = JSON.parse(readFileSync(join(R, "toolbox", "toolbox.json"), "utf8")) as {
  cases: { case: string; values: unknown }[];
};
const tb = <T>(name: string): T => toolbox.cases.find((c) => c.case === name)!.values as T;

/** apiclus1_glm.csv as the sandbox would return it (numbers as numbers, text as text). */
function clus1(): SandboxSuccess {
  const [head, ...lines] = readFileSync(join(R, "data", "apiclus1_glm.csv"), "utf8")
    .trimEnd()
    .split("\n");
  const names = head!.split(",");
  const text = new Set(["cds", "stype", "sch_wide", "awards", "comp_imp"]);
  return {
    ok: true,
    columns: names.map((name) => ({ name, type: text.has(name) ? "VARCHAR" : "DOUBLE" })),
    rows: lines.map((l) => l.split(",").map((v, i) => (text.has(names[i]!) ? v : Number(v)))),
    truncated: false,
  } as SandboxSuccess;
}
const rules = { minN: 1, maxRse: 10, confidenceLevel: 0.95, intervals: "r" as const };
const block = (over: Partial<EstimateBlock>): EstimateBlock => ({
  kind: "estimate",
  name: "b",
  data: "q",
  design: { ids: ["dnum"], weights: "pw" },
  estimator: "mean",
  variable: "api00",
  by: [],
  scale: 1,
  table: true,
  ci: "logit",
  quantiles: [0.5],
  terms: [],
  family: "gaussian",
  line: 1,
  ...over,
});
const close = (a: unknown, e: number, rel: number) =>
  expect(Math.abs((a as number) - e) / Math.abs(e)).toBeLessThanOrEqual(rel);

describe("notebook estimate blocks (R toolbox)", () => {
  it("glm, ttest and chisq blocks give R's coefficients and tests", async () => {
    // without the fpc (the block's design has ids, strata and weights): R's cases use fpc, so
    // compare the with-replacement fit's coefficients (the SEs differ by the fpc only)
    const glm = await runEstimate(
      block({ estimator: "glm", variable: "api00", terms: ["ell", "meals", "mobility"] }),
      clus1(),
      rules,
      false,
    );
    const want = tb<{ coef: number[] }>("glm_gaussian_clus1");
    glm.rows.forEach((row, i) => {
      close(row[1], want.coef[i]!, 1e-9);
    });
    const t = await runEstimate(block({ estimator: "ttest", group: "sch_wide" }), clus1(), rules, false);
    close(t.rows[0]![2], tb<{ estimate: number }>("ttest_clus1").estimate, 1e-9);
    const x = await runEstimate(
      block({ estimator: "chisq", variable: "sch_wide", group: "stype" }),
      clus1(),
      rules,
      false,
    );
    expect(x.columns.map((c) => c.name)).toEqual(["pearson", "statistic", "ndf", "ddf", "p_value"]);
    expect(x.rows[0]![1]).toBeGreaterThan(0);
  });

  it("quantile and beta-interval proportion blocks agree with R on a design without fpc", async () => {
    // fpc-free R values: the Woodruff quantile's point estimate and the proportion's estimate
    // do not depend on the fpc; they must equal R's
    const q = await runEstimate(
      block({ estimator: "quantile", quantiles: [0.1, 0.5, 0.9], by: ["sch_wide"] }),
      clus1(),
      rules,
      false,
    );
    const want = tb<{ by: { sch_wide: string }; p: number; estimate: number }[]>(
      "quantile_by_sch_wide_clus1",
    );
    expect(q.rows.map((r) => [r[0], r[1], r[2]])).toEqual(want.map((w) => [w.by.sch_wide, w.p, w.estimate]));
    const data = clus1();
    const yes = data.columns.length;
    data.columns.push({ name: "yes", type: "DOUBLE" });
    const sw = data.columns.findIndex((c) => c.name === "sch_wide");
    for (const row of data.rows) row.push(row[sw] === "Yes" ? 1 : 0);
    expect(yes).toBe(data.columns.length - 1);
    const p = await runEstimate(
      block({ estimator: "proportion", variable: "yes", ci: "beta" }),
      data,
      rules,
      false,
    );
    close(p.rows[0]![0], tb<{ estimate: number }[]>("prop_beta")[0]!.estimate, 1e-9);
    expect(p.rows[0]![2]).toBeLessThan(p.rows[0]![0] as number);
  });

  it("mean and proportion blocks follow the study's interval rule: nominal by default, r on request", async () => {
    // apiclus1: 15 clusters, no strata: the design df (and, with one stage, the Satterthwaite
    // df) is 14. columns: [estimate, se, ci_low, ci_high, df, ...]
    const nominal = { ...rules, intervals: "nominal" as const };
    const col = (r: { columns: { name: string }[] }, name: string) =>
      r.columns.findIndex((c) => c.name === name);
    const m = await runEstimate(block({ estimator: "mean", variable: "api00" }), clus1(), nominal, false);
    const [est, se, lo, hi, df] = ["estimate", "se", "ci_low", "ci_high", "df"].map(
      (n) => m.rows[0]![col(m, n)] as number,
    );
    expect(df).toBe(14);
    expect(Math.abs(hi! - est! - qt(0.975, 14) * se!)).toBeLessThan(1e-9);
    expect(Math.abs(est! - lo! - qt(0.975, 14) * se!)).toBeLessThan(1e-9);
    // the block may ask for R's normal interval instead
    const r = await runEstimate(
      block({ estimator: "mean", variable: "api00", intervals: "r" }),
      clus1(),
      nominal,
      false,
    );
    expect(Math.abs((r.rows[0]![col(r, "ci_high")] as number) - est! - qnorm(0.975) * se!)).toBeLessThan(
      1e-9,
    );
    expect(r.rows[0]![col(r, "estimate")]).toBe(est);
    // a proportion's logit interval, by hand: a block's design has one variance stage (no fpc),
    // so nominal keeps R's svyciprop rule, t on the design df (14)
    const data = clus1();
    data.columns.push({ name: "yes", type: "DOUBLE" });
    const sw = data.columns.findIndex((c) => c.name === "sch_wide");
    for (const row of data.rows) row.push(row[sw] === "Yes" ? 1 : 0);
    const p = await runEstimate(block({ estimator: "proportion", variable: "yes" }), data, nominal, false);
    const [pe, ps, pl, ph, pdf] = ["estimate", "se", "ci_low", "ci_high", "df"].map(
      (n) => p.rows[0]![col(p, n)] as number,
    );
    expect(pdf).toBe(14);
    const logit = Math.log(pe! / (1 - pe!));
    const half = (qt(0.975, 14) * ps!) / (pe! * (1 - pe!));
    const expit = (x: number) => 1 / (1 + Math.exp(-x));
    expect(Math.abs(pl! - expit(logit - half))).toBeLessThan(1e-9);
    expect(Math.abs(ph! - expit(logit + half))).toBeLessThan(1e-9);
  });
});
