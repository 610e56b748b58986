/**
 * The two-level (villages within townships) model against test/fixtures/sae/two_level.json, made
 * by make-two-level.R: dense base-R REML (optim + Newton polish), GLS β and the EBLUPs written
 * independently of the engine's block formulas. Then properties of the bootstrap estimates on
 * simulated data with known truth (seeded): benchmarking exact to 1e-9, reproducible MSEs, and
 * model-based village figures closer to the truth than the direct ones.
 */
import { describe, expect, it } from "vitest";
import { pnorm } from "../../../analysis/distributions/pnorm.ts";
import { arcsinMean } from "../../../analysis/sae/arcsinBackTransform.ts";
import { arcsinSamplingMoments } from "../../../analysis/sae/arcsinSampling.ts";
import { integrate } from "../../../analysis/sae/integrate.ts";
import { seededNormal } from "../../../analysis/sae/seededNormal.ts";
import { smallAreaFigures, type VillageInput } from "../../../analysis/sae/smallAreaFigures.ts";
import { twoLevelEstimates } from "../../../analysis/sae/twoLevelEstimates.ts";
import { TwoLevelModel, twoLevelFh } from "../../../analysis/sae/twoLevelFh.ts";
import { maxRelDiff, readCsv, readJson } from "./fixtures.ts";

const rows = readCsv("two_level.csv");
const data = {
  group: rows.map((r) => Number(r.town) - 1),
  direct: rows.map((r) => (r.y === "" ? null : Number(r.y))),
  vardir: rows.map((r) => (r.psi === "" ? null : Number(r.psi))),
  x: rows.map((r) => [1, Number(r.x1), Number(r.urban)]),
};
const expected = readJson<{
  sigma2v: number;
  sigma2u: number;
  beta: number[];
  estimate: number[];
  township_effect: number[];
}>("two_level.json");

describe("two-level model, dense R REML (make-two-level.R)", () => {
  it("variances, coefficients, EBLUPs and the synthetic-plus-township-effect of unsampled villages agree to 1e-6", () => {
    const fit = twoLevelFh(data);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.sigma2v - expected.sigma2v) / expected.sigma2v).toBeLessThan(1e-6);
    expect(Math.abs(fit.sigma2u - expected.sigma2u) / expected.sigma2u).toBeLessThan(1e-6);
    expect(maxRelDiff(fit.beta, expected.beta)).toBeLessThan(1e-6);
    expect(maxRelDiff(fit.estimate, expected.estimate)).toBeLessThan(1e-6);
    expect(maxRelDiff(fit.townshipEffect, expected.township_effect)).toBeLessThan(1e-6);
  });
});

describe("TwoLevelModel: REML score and observed information (Newton's steps)", () => {
  it("are the gradient and minus the Hessian of the restricted log-likelihood, by central differences", () => {
    const model = new TwoLevelModel(data);
    const y = model.packDirect(data.direct);
    const loglike = (sv: number, su: number) => {
      model.fit(y, { sigma2v: sv, sigma2u: su }, 0, 0);
      return model.result().restrictedLoglike;
    };
    for (const [sv, su] of [
      [expected.sigma2v, expected.sigma2u],
      [0.5 * expected.sigma2v, 2 * expected.sigma2u],
    ] as const) {
      model.fit(y, { sigma2v: sv, sigma2u: su }, 0, 0);
      const { score, observed } = model.information();
      const h = [1e-4 * sv, 1e-4 * su];
      const f = (a: number, b: number) => loglike(sv + a * h[0]!, su + b * h[1]!);
      const gradient = [(f(1, 0) - f(-1, 0)) / (2 * h[0]!), (f(0, 1) - f(0, -1)) / (2 * h[1]!)];
      const hvv = (f(1, 0) - 2 * f(0, 0) + f(-1, 0)) / h[0]! ** 2;
      const huu = (f(0, 1) - 2 * f(0, 0) + f(0, -1)) / h[1]! ** 2;
      const huv = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[0]! * h[1]!);
      // (at the REML estimates the score is 0: its error is judged against the Hessian's scale)
      const scale = [Math.abs(hvv) * sv, Math.abs(huu) * su];
      score.forEach((s, a) => {
        expect(Math.abs(s - gradient[a]!) / scale[a]!).toBeLessThan(1e-6);
      });
      expect(maxRelDiff(observed, [-hvv, -huv, -huv, -huu])).toBeLessThan(1e-4);
    }
  });
});

describe("TwoLevelModel: one packed model refitted to many sets of estimates (the bootstrap's)", () => {
  it("gives every refit exactly what a fresh fit gives, whatever was fitted before", () => {
    const z = seededNormal(5);
    const replicate = () => data.direct.map((y) => (y === null ? null : y + 0.3 * z()));
    const model = new TwoLevelModel(data);
    model.fit(model.packDirect(data.direct));
    const first = model.result();
    expect(first).toEqual(twoLevelFh(data));
    const start = { sigma2v: first.sigma2v, sigma2u: first.sigma2u };
    for (let r = 0; r < 4; r++) {
      const direct = replicate();
      model.fit(model.packDirect(direct), start, 1e-5, 50);
      const fresh = twoLevelFh({ ...data, direct }, start, 1e-5, 50);
      expect(model.result()).toEqual(fresh);
      const estimate = new Float64Array(direct.length);
      const conditionalVariance = new Float64Array(direct.length);
      model.predictInto(estimate, conditionalVariance);
      expect(Array.from(estimate)).toEqual(fresh.estimate);
      expect(Array.from(conditionalVariance)).toEqual(fresh.conditionalVariance);
    }
  });
});

function simulate(seed: number) {
  const z = seededNormal(seed);
  const group: number[] = [];
  const x: number[][] = [];
  const truth: number[] = [];
  const n: number[] = [];
  const population: number[] = [];
  for (let t = 0; t < 30; t++) {
    const v = 0.15 * z();
    for (let j = 0; j < 10; j++) {
      const x1 = z();
      group.push(t);
      x.push([1, x1]);
      const theta = 0.9 + 0.15 * x1 + v + 0.12 * z();
      truth.push(Math.sin(Math.min(Math.max(theta, 0), Math.PI / 2)) ** 2);
      n.push(j < 3 ? 0 : 1 + ((t * 7 + j * 3) % 9));
      population.push(500 + ((t * 13 + j * 29) % 700));
    }
  }
  const direct = truth.map((p, i) => {
    if (n[i] === 0) return null;
    let yes = 0;
    for (let k = 0; k < n[i]!; k++) if (pnorm(z()) < p) yes++; // Φ(Z) is uniform: a Bernoulli(p) draw
    return yes / n[i]!;
  });
  return { group, x, truth, n, population, direct };
}

describe("two-level estimates on simulated rates (seeded)", () => {
  const s = simulate(11);
  const input = {
    group: s.group,
    direct: s.direct,
    vardir: s.direct.map(() => null),
    effectiveN: s.n.map((k) => (k > 0 ? k : null)),
    x: s.x,
    population: s.population,
  };
  it("benchmarks exactly (1e-9) and the bootstrap is reproducible", () => {
    const opts = {
      transformation: "arcsin" as const,
      reps: 30,
      seed: 5,
      benchmark: { type: "ratio" as const, districtTarget: 0.6 },
    };
    const a = twoLevelEstimates(input, opts);
    expect(a.benchmarkError).toBeLessThan(1e-9);
    const b = twoLevelEstimates(input, opts);
    expect(b.village.mse).toEqual(a.village.mse);
    for (let i = 0; i < a.village.mse.length; i++) {
      expect(a.village.mse[i]).toBeGreaterThan(0);
      expect(a.village.ciLow[i]).toBeLessThanOrEqual(a.village.estimate[i]!);
      expect(a.village.ciHigh[i]).toBeGreaterThanOrEqual(a.village.estimate[i]!);
    }
  });
  it("model-based village figures are closer to the known truth than the direct ones", () => {
    const r = twoLevelEstimates(input, { transformation: "arcsin", reps: 20, seed: 1 });
    let model = 0;
    let dir = 0;
    let k = 0;
    s.direct.forEach((d, i) => {
      if (d === null) return;
      model += (r.village.estimate[i]! - s.truth[i]!) ** 2;
      dir += (d - s.truth[i]!) ** 2;
      k++;
    });
    expect(k).toBeGreaterThan(100);
    expect(Math.sqrt(model / k)).toBeLessThan(0.8 * Math.sqrt(dir / k));
  });
});

describe("arcsinMean (the back-transformation of the two-level rates)", () => {
  it("equals E[sin²(clamp θ)] by adaptive quadrature within 1e-13, inside, across and beyond the bounds", () => {
    for (let mu = -0.5; mu <= 2.1; mu += 0.0537) {
      for (const v of [1e-6, 1e-4, 0.003, 0.02, 0.1, 0.3, 1]) {
        const sd = Math.sqrt(v);
        const density = (x: number) => Math.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));
        // [0, π/2] split at μ, so that a narrow normal is not missed between the nodes
        const cut = Math.min(Math.max(mu, 0), Math.PI / 2);
        const expected =
          integrate((x) => Math.sin(x) ** 2 * density(x), 0, cut, 1e-14, 0) +
          integrate((x) => Math.sin(x) ** 2 * density(x), cut, Math.PI / 2, 1e-14, 0) +
          pnorm((Math.PI / 2 - mu) / sd, false);
        expect(Math.abs(arcsinMean(mu, v) - expected)).toBeLessThan(1e-13);
      }
    }
    expect(arcsinMean(0.8, 0)).toBe(Math.sin(0.8) ** 2);
    expect(Math.abs(arcsinMean(-40, 0.01))).toBeLessThan(1e-14);
    expect(Math.abs(arcsinMean(40, 0.01) - 1)).toBeLessThan(1e-14);
  });
});

describe("smallAreaFigures: means with GVF-smoothed sampling variances", () => {
  it("uses ψ = σ²_w / n_eff with σ²_w pooled as Σ n s² / Σ (n − 1) (hand calculation) and benchmarks to the district", () => {
    const z = seededNormal(99);
    const villages: VillageInput[] = [];
    for (let t = 0; t < 12; t++) {
      const v = 4 * z();
      for (let j = 0; j < 6; j++) {
        const n = j < 4 ? 2 + ((t + j) % 5) : 0;
        villages.push({
          code: `T${t}V${j}`,
          township: `T${String(t).padStart(2, "0")}`,
          population: 300 + 50 * j,
          x: [1, j % 2],
          n,
          nEff: n,
          direct: n ? 60 + v + 5 * z() : null,
          withinVariance: n ? 200 + 10 * j : null,
        });
      }
    }
    let num = 0;
    let den = 0;
    for (const v of villages)
      if (v.n > 0) {
        num += v.withinVariance! * v.n;
        den += v.n - 1;
      }
    const r = smallAreaFigures({
      kind: "mean",
      villages,
      district: { estimate: 61, se: 0.8 },
      benchmark: "raking",
      reps: 20,
      seed: 3,
      level: 0.95,
    });
    expect(Math.abs(r.diagnostics.gvfVariance! - num / den)).toBeLessThan(1e-9);
    villages.forEach((v, i) => {
      if (v.n > 0) expect(Math.abs(r.villages[i]!.directSe! - Math.sqrt(num / den / v.n))).toBeLessThan(1e-9);
    });
    const pop = new Map<string, number>();
    for (const v of villages) pop.set(v.township, (pop.get(v.township) ?? 0) + v.population);
    const total = [...pop.values()].reduce((a, b) => a + b, 0);
    const agg = r.townships.reduce((a, t) => a + (t.estimate * pop.get(t.code)!) / total, 0);
    expect(Math.abs(agg - 61)).toBeLessThan(1e-9);
  });
});

describe("arcsinSamplingMoments (small-sample moments of asin √p̂)", () => {
  it("are the binomial mean and variance by hand at n = 3 and tend to asin √p and 1 / (4n) for large n", () => {
    const t = [0, 1 / 3, 2 / 3, 1].map((q) => Math.asin(Math.sqrt(q)));
    const w = [1, 3, 3, 1].map((c) => c / 8);
    const mean = t.reduce((a, v, k) => a + w[k]! * v, 0);
    const variance = t.reduce((a, v, k) => a + w[k]! * (v - mean) ** 2, 0);
    const m = arcsinSamplingMoments(3, 0.5);
    expect(Math.abs(m.mean - mean)).toBeLessThan(1e-12);
    expect(Math.abs(m.variance - variance)).toBeLessThan(1e-12);
    const big = arcsinSamplingMoments(4000, 0.3);
    expect(Math.abs(big.variance * 4 * 4000 - 1)).toBeLessThan(0.01);
    expect(Math.abs(big.mean - Math.asin(Math.sqrt(0.3)))).toBeLessThan(1e-3);
    // a non-integer effective size lies between its whole neighbours
    const a = arcsinSamplingMoments(2, 0.3).mean;
    const b = arcsinSamplingMoments(3, 0.3).mean;
    const c = arcsinSamplingMoments(2.5, 0.3).mean;
    expect(c).toBeGreaterThanOrEqual(Math.min(a, b));
    expect(c).toBeLessThanOrEqual(Math.max(a, b));
  });

  it("equal the sum over every count 0..n (log-binomial weights), small and large n, rates near 0 and 1", () => {
    const direct = (n: number, p: number) => {
      // every term, each weight from its log: C(n, k) pᵏ qⁿ⁻ᵏ
      let logChoose = 0;
      let m = 0;
      let m2 = 0;
      for (let k = 0; k <= n; k++) {
        if (k > 0) logChoose += Math.log((n - k + 1) / k);
        const w = Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
        const t = Math.asin(Math.sqrt(k / n));
        m += w * t;
        m2 += w * t * t;
      }
      return { mean: m, variance: m2 - m * m };
    };
    for (const n of [1, 2, 3, 7, 30, 160, 1000, 1600, 5000])
      for (const p of [1e-9, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-7]) {
        const got = arcsinSamplingMoments(n, p);
        const want = direct(n, p);
        // the reference's own rounding: its log weights are sums of up to n logs (a few 1e-11
        // relative at n = 5000), so beyond a few hundred respondents it is held to n·1e-14
        const tol = n <= 200 ? 1e-13 : n * 1e-14;
        expect(Math.abs(got.mean - want.mean)).toBeLessThanOrEqual(tol);
        expect(Math.abs(got.variance - want.variance)).toBeLessThanOrEqual(tol);
      }
  });
});
