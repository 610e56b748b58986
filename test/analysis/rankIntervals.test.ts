/**
 * Rank confidence sets (Mogstad, Romano, Shaikh & Wilhelm 2024) and tier probabilities.
 * Against: hand cases (units far apart have singleton sets; identical units span all ranks),
 * and a simulation with known truth: 1000 samples of 20 units whose estimates are the truth
 * plus correlated normal error; the simultaneous sets must hold together in at least
 * 95% − 2 Monte Carlo SE of the samples (issue 15), each marginal set on average as well.
 */
import { describe, expect, it } from "vitest";
import { cholesky, correlatedDraw, gaussian, rankIntervals } from "../../analysis/rankIntervals.ts";
import { seededRandom } from "../../analysis/replicates/random.ts";
import { assignTiers, tierProbabilities } from "../../analysis/tierProbabilities.ts";

const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));

describe("rankIntervals", () => {
  it("units far apart have their own rank only; identical units span every rank", () => {
    const far = rankIntervals([90, 50, 10], diag([1, 1, 1]), { draws: 500 });
    expect(
      far.map((r) => [r.rank, r.marginalLow, r.marginalHigh, r.simultaneousLow, r.simultaneousHigh]),
    ).toEqual([
      [1, 1, 1, 1, 1],
      [2, 2, 2, 2, 2],
      [3, 3, 3, 3, 3],
    ]);
    const same = rankIntervals([50, 50, 50, 50], diag([4, 4, 4, 4]), { draws: 500 });
    for (const r of same)
      expect([r.marginalLow, r.marginalHigh, r.simultaneousLow, r.simultaneousHigh]).toEqual([1, 4, 1, 4]);
  });

  it("the critical values are the normal quantiles for two units (hand calculation)", () => {
    // two independent units with variance 1 each: σ = √2; the 95% two-sided critical value of
    // |Z1 − Z2|/√2 is 1.96, so a gap of 1.9·√2 is not separated and 2.05·√2 is
    const close = rankIntervals([1.9 * Math.SQRT2, 0], diag([1, 1]), { draws: 20000, seed: 3 });
    expect([close[0]!.marginalLow, close[0]!.marginalHigh]).toEqual([1, 2]);
    const apart = rankIntervals([2.05 * Math.SQRT2, 0], diag([1, 1]), { draws: 20000, seed: 3 });
    expect([apart[0]!.marginalLow, apart[0]!.marginalHigh]).toEqual([1, 1]);
  });

  it("simultaneous sets cover all true ranks in ≥ 95% − 2 MC SE of 1000 samples (known truth)", () => {
    const n = 20;
    const samples = 1000;
    const truth = Array.from({ length: n }, (_, i) => 50 + 1.5 * i + (i % 3));
    // SEs 2–4 and a positive correlation of 0.3 (shared calibration), as township scores
    const se = truth.map((_, i) => 2 + (i % 5) * 0.5);
    const cov = se.map((a, i) => se.map((b, j) => (i === j ? a * a : 0.3 * a * b)));
    const trueRank = truth.map((t) => 1 + truth.filter((u) => u > t).length);
    const L = cholesky(cov);
    const normal = gaussian(seededRandom(2024));
    let joint = 0;
    let marginal = 0;
    for (let s = 0; s < samples; s++) {
      const e = truth.map(() => normal());
      const est = truth.map((t, i) => t + L[i]!.reduce((a, l, k) => a + l * e[k]!, 0));
      const sets = rankIntervals(est, cov, { draws: 400, seed: s + 1 });
      if (sets.every((r, i) => r.simultaneousLow <= trueRank[i]! && trueRank[i]! <= r.simultaneousHigh))
        joint++;
      marginal +=
        sets.filter((r, i) => r.marginalLow <= trueRank[i]! && trueRank[i]! <= r.marginalHigh).length / n;
    }
    const mcSe = Math.sqrt((0.95 * 0.05) / samples);
    expect(joint / samples).toBeGreaterThanOrEqual(0.95 - 2 * mcSe);
    expect(marginal / samples).toBeGreaterThanOrEqual(0.95 - 2 * mcSe);
    // and the sets are not trivially wide: on average well under the full range
    const sets = rankIntervals(truth, cov, { draws: 400 });
    const width = sets.reduce((a, r) => a + r.simultaneousHigh - r.simultaneousLow, 0) / n;
    expect(width).toBeLessThan(n - 1);
  }, 120_000);
});

describe("tiers and their probabilities", () => {
  it("assigns tiers by the index_scores rule (hand example)", () => {
    // 80 [75, 85] heads tier 1; 79 [74, 84] reaches 75: tier 1; 60 [55, 65] does not: tier 2
    expect(assignTiers([80, 79, 60], [75, 74, 55], [85, 84, 65])).toEqual([1, 1, 2]);
  });

  it("a unit far from every tier boundary keeps its tier with probability ≈ 1, a borderline one does not", () => {
    const est = [90, 70, 66.5, 40];
    const se = [1, 1, 1, 1];
    const p = tierProbabilities(
      est,
      diag(se.map((s) => s * s)),
      est.map((e) => e - 1.96),
      est.map((e) => e + 1.96),
      { draws: 2000, seed: 5 },
    );
    expect(p.map((x) => x.tier)).toEqual([1, 2, 2, 3]);
    expect(p[0]!.probability).toBeGreaterThan(0.99);
    expect(p[1]!.probability).toBeGreaterThan(0.99);
    // 66.5 joins 70's tier while their gap stays under 2·1.96 = 3.92: the gap is N(3.5, √2),
    // so it joins with probability Φ(0.42/√2) ≈ 0.62 (hand calculation); 40's tier number follows
    expect(p[2]!.probability).toBeGreaterThan(0.55);
    expect(p[2]!.probability).toBeLessThan(0.69);
    expect(p[3]!.probability).toBeCloseTo(p[2]!.probability, 12);
    for (const x of p) expect(Object.values(x.distribution).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("orders each draw as assignTiers does, equal estimates by input order", () => {
    // Three units tie at 70. In input order (0, 1, 3) unit 0 heads tier 1, unit 1 [65, 69] falls
    // short of 69.5 and heads tier 2, unit 3 [66, 75] joins it, 60 [50, 64] is tier 3. Headed by
    // unit 3 instead, 0 and 1 would join tier 1: the tie order decides. Without error every draw
    // is the published one, so each tier's probability is 1 exactly when the draws keep that order.
    const est = [70, 70, 60, 70];
    const low = [69.5, 65, 50, 66];
    const high = [70.5, 69, 64, 75];
    expect(assignTiers(est, low, high)).toEqual([1, 2, 3, 2]);
    const p = tierProbabilities(est, diag([0, 0, 0, 0]), low, high, { draws: 50, seed: 3 });
    expect(p.map((x) => [x.tier, x.probability])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [2, 1],
    ]);
    // and against assignTiers itself, draw by draw (the same seeded draws): thirty units with
    // ties, some without error, the rest moving enough to reorder
    const n = 30;
    const random = seededRandom(11);
    const e = Array.from({ length: n }, (_, k) => (k % 7 === 0 ? 70 : Math.round(40 + 50 * random())));
    const v = Array.from({ length: n }, (_, k) => (k % 5 === 0 ? 0 : 1 + 30 * random()));
    const lo = e.map((x, k) => x - 1.96 * Math.sqrt(v[k]!));
    const hi = e.map((x, k) => x + 1.96 * Math.sqrt(v[k]!));
    const draws = 300;
    const got = tierProbabilities(e, diag(v), lo, hi, { draws, seed: 9 });
    const draw = correlatedDraw(cholesky(diag(v)), gaussian(seededRandom(9)));
    const z = new Float64Array(n);
    const counts = e.map(() => new Map<number, number>());
    for (let d = 0; d < draws; d++) {
      draw(z);
      const tiers = assignTiers(
        e.map((x, k) => x + z[k]!),
        lo.map((x, k) => x + z[k]!),
        hi.map((x, k) => x + z[k]!),
      );
      tiers.forEach((t, k) => {
        counts[k]!.set(t, (counts[k]!.get(t) ?? 0) + 1);
      });
    }
    const published = assignTiers(e, lo, hi);
    got.forEach((g, k) => {
      expect(g.tier).toBe(published[k]);
      expect(g.distribution).toEqual(Object.fromEntries([...counts[k]!].map(([t, c]) => [t, c / draws])));
    });
    // the draws did reorder units: some tier is uncertain
    expect(got.some((g) => g.probability < 1)).toBe(true);
  });
});
