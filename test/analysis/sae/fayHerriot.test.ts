/**
 * The Fay–Herriot engine against independent numbers:
 * - test/fixtures/sae/expected.json: R emdi 2.2.2's stored test results for the milk data
 *   (15 areas, REML and ML; made with R sae 1.3) and the exact optimum (metafor), see
 *   REFERENCE-README.md there. With sae's start value and stop rule the engine agrees to 1e-9;
 *   with exact convergence (the default) it agrees with the exact optimum to 1e-9 and with the
 *   stored numbers to 1e-5 relative (the stored refvar is 4e-6 from the optimum).
 * - test/fixtures/sae/fh_fixtures.json: make-fixtures.R, emdi's formulas written out in dense
 *   base R with optimize() (all six methods, out-of-sample areas, log with bc_crude and bc_sm,
 *   arcsin naive and bc, ratio and raking benchmarks). 1e-6 relative (optimize's precision).
 */
import { describe, expect, it } from "vitest";
import { benchmark } from "../../../analysis/sae/benchmark.ts";
import { fayHerriot } from "../../../analysis/sae/fayHerriot.ts";
import { fhEstimates } from "../../../analysis/sae/fhEstimates.ts";
import { fhMse } from "../../../analysis/sae/fhMse.ts";
import type { FhData, FhMethod } from "../../../analysis/sae/types.ts";
import { factorRow, maxRelDiff, milk, readCsv, readJson } from "./fixtures.ts";

interface RefCase {
  id: string;
  method: "REML" | "ML";
  refvar: number;
  refvar_exact_optimum: number;
  coefficients: { estimate: number[]; std_error: number[] };
  goodness: { loglike: number; AIC: number; BIC: number };
  EBLUP: number[];
  MSE: number[];
}
interface FixtureCase {
  id: string;
  method: FhMethod;
  transformation?: "no" | "log" | "arcsin";
  backtransformation?: "bc_crude" | "bc_sm" | "naive" | "bc";
  sigma2u: number;
  beta: number[];
  std_error?: number[];
  estimate: (number | null)[];
  mse?: (number | null)[];
  benchmark?: number;
  share?: number[];
  raking?: number[];
  ratio?: number[];
}

const rows = milk();
const milk15: FhData = {
  direct: rows.filter((r) => r.area <= 15).map((r) => r.y),
  vardir: rows.filter((r) => r.area <= 15).map((r) => r.sd ** 2),
  x: rows.filter((r) => r.area <= 15).map((r) => factorRow(r.major, 3)),
};
const reference = readJson<{ cases: RefCase[] }>("expected.json").cases;
const fixtures = readJson<{ meta: { out_of_sample_milk: number[] }; cases: FixtureCase[] }>(
  "fh_fixtures.json",
);
const outIds = new Set(fixtures.meta.out_of_sample_milk);
const milk43: FhData = {
  direct: rows.map((r) => (outIds.has(r.area) ? null : r.y)),
  vardir: rows.map((r) => (outIds.has(r.area) ? null : r.sd ** 2)),
  x: rows.map((r) => factorRow(r.major, 4)),
};

describe("milk-15, emdi's stored expectations", () => {
  for (const ref of reference) {
    const method = ref.method.toLowerCase() as FhMethod;
    it(`${ref.id}: sae's start value and stop rule reproduce emdi to 1e-9`, () => {
      const fit = fayHerriot(milk15, { method, convergence: "sae" });
      expect(Math.abs(fit.sigma2u - ref.refvar) / ref.refvar).toBeLessThan(1e-9);
      expect(fit.iterations).toBe(4);
      expect(maxRelDiff(fit.estimate, ref.EBLUP)).toBeLessThan(1e-9);
      expect(maxRelDiff(fhMse(fit).mse, ref.MSE)).toBeLessThan(1e-9);
      expect(maxRelDiff(fit.beta, ref.coefficients.estimate)).toBeLessThan(1e-9);
      expect(
        maxRelDiff(
          fit.coefficients.map((c) => c.stdError),
          ref.coefficients.std_error,
        ),
      ).toBeLessThan(1e-9);
      expect(Math.abs(fit.loglike - ref.goodness.loglike)).toBeLessThan(1e-9);
      expect(Math.abs(fit.aic - ref.goodness.AIC)).toBeLessThan(1e-9);
      expect(Math.abs(fit.bic - ref.goodness.BIC)).toBeLessThan(1e-9);
    });
    it(`${ref.id}: exact convergence (default) hits the exact optimum and emdi's numbers to 1e-5`, () => {
      const fit = fayHerriot(milk15, { method });
      expect(Math.abs(fit.sigma2u - ref.refvar_exact_optimum) / ref.refvar_exact_optimum).toBeLessThan(1e-9);
      expect(Math.abs(fit.sigma2u - ref.refvar) / ref.refvar).toBeLessThan(1e-5);
      expect(maxRelDiff(fit.estimate, ref.EBLUP)).toBeLessThan(1e-5);
      expect(maxRelDiff(fhMse(fit).mse, ref.MSE)).toBeLessThan(1e-5);
      expect(maxRelDiff(fit.beta, ref.coefficients.estimate)).toBeLessThan(1e-5);
    });
  }
});

describe("milk-43 with three areas out of sample, the six emdi methods (make-fixtures.R)", () => {
  for (const c of fixtures.cases.filter((k) => k.id.startsWith("milk43_") && k.transformation === "no")) {
    it(c.id, () => {
      const fit = fayHerriot(milk43, { method: c.method });
      expect(Math.abs(fit.sigma2u - c.sigma2u) / c.sigma2u).toBeLessThan(1e-6);
      expect(maxRelDiff(fit.beta, c.beta)).toBeLessThan(1e-6);
      expect(
        maxRelDiff(
          fit.coefficients.map((k) => k.stdError),
          c.std_error!,
        ),
      ).toBeLessThan(1e-6);
      expect(maxRelDiff(fit.estimate, c.estimate)).toBeLessThan(1e-6);
      expect(maxRelDiff(fhMse(fit).mse, c.mse!)).toBeLessThan(1e-6);
    });
  }
});

describe("log transformation, bc_crude and Slud–Maiti (make-fixtures.R)", () => {
  for (const c of fixtures.cases.filter((k) => k.transformation === "log")) {
    it(c.id, () => {
      const r = fhEstimates(milk43, {
        method: c.method,
        transformation: "log",
        backtransformation: c.backtransformation!,
      });
      expect(Math.abs(r.fit.sigma2u - c.sigma2u) / c.sigma2u).toBeLessThan(1e-6);
      expect(maxRelDiff(r.estimate, c.estimate)).toBeLessThan(1e-6);
      expect(maxRelDiff(r.mse, c.mse!)).toBeLessThan(1e-6);
    });
  }
});

describe("arcsin transformation of rates, naive and bc (make-fixtures.R)", () => {
  const rates = readCsv("rates.csv");
  const data: FhData = {
    direct: rates.map((r) => (r.p === "" ? null : Number(r.p))),
    vardir: rates.map((r) => (r.var === "" ? null : Number(r.var))),
    x: rates.map((r) => [1, Number(r.x1), Number(r.urban)]),
  };
  const effectiveN = rates.map((r) => Number(r.n));
  for (const c of fixtures.cases.filter((k) => k.transformation === "arcsin")) {
    it(c.id, () => {
      const r = fhEstimates(data, {
        method: c.method,
        transformation: "arcsin",
        backtransformation: c.backtransformation!,
        effectiveN,
        mse: "none",
      });
      expect(Math.abs(r.fit.sigma2u - c.sigma2u) / c.sigma2u).toBeLessThan(1e-6);
      expect(maxRelDiff(r.estimate, c.estimate)).toBeLessThan(1e-6);
    });
  }
  it("bootstrap MSE: seeded (same seed, same numbers; another seed, other numbers) and positive", () => {
    const opts = {
      method: "reml" as const,
      transformation: "arcsin" as const,
      effectiveN,
      reps: 50,
      seed: 7,
    };
    const a = fhEstimates(data, opts);
    const b = fhEstimates(data, opts);
    expect(a.mse).toEqual(b.mse);
    expect(a.mseMethod).toBe("parametric-bootstrap");
    for (const m of a.mse) expect(m).toBeGreaterThan(0);
    const c = fhEstimates(data, { ...opts, seed: 8 });
    expect(c.mse).not.toEqual(a.mse);
  });
});

describe("benchmarking (make-fixtures.R, emdi benchmark())", () => {
  const c = fixtures.cases.find((k) => k.id === "milk43_benchmark")!;
  it("raking and ratio reproduce emdi's formulas and hit the target within 1e-9", () => {
    for (const type of ["raking", "ratio"] as const) {
      const got = benchmark(c.estimate, c.share!, type, undefined, [c.benchmark!]);
      expect(maxRelDiff(got, type === "raking" ? c.raking! : c.ratio!)).toBeLessThan(1e-9);
      const agg = got.reduce((s: number, v, i) => s + c.share![i]! * v!, 0);
      expect(Math.abs(agg - c.benchmark!)).toBeLessThan(1e-9);
    }
  });
  it("fhEstimates benchmarks within groups and gives a bootstrap MSE that accounts for it", () => {
    const share = rows.map((r) => r.n);
    const group = rows.map((r) => r.major - 1);
    const totals = [0, 0, 0, 0];
    share.forEach((s, i) => {
      totals[group[i]!]! += s;
    });
    const shares = share.map((s, i) => s / totals[group[i]!]!);
    const target = [1.0, 1.1, 1.2, 0.8];
    const r = fhEstimates(milk43, {
      method: "reml",
      benchmark: { type: "ratio", share: shares, group, target },
      reps: 100,
      seed: 1,
    });
    for (let g = 0; g < 4; g++) {
      const agg = r.estimate.reduce((s: number, v, i) => (group[i] === g ? s + shares[i]! * v! : s), 0);
      expect(Math.abs(agg - target[g]!)).toBeLessThan(1e-9);
    }
    expect(r.mseMethod).toBe("parametric-bootstrap");
    for (const m of r.mse) expect(m).toBeGreaterThan(0);
  });
});
