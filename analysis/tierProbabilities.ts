import { cholesky, correlatedDraw, gaussian } from "./rankIntervals.ts";
import { seededRandom } from "./replicates/random.ts";

/**
 * Tiers of units as published_scores assigns them: sorted by estimate (descending; ties by input
 * order), a unit joins the current tier while its CI's upper end reaches the lower end of the
 * CI of the tier's first unit, otherwise it starts the next tier. (models/marts/published_scores.sql
 * holds the same rule in SQL; the rank_intervals contract checks that the two agree.)
 *
 * @example assignTiers([80, 79, 60], [75, 74, 55], [85, 84, 65]) // [1, 1, 2]
 */
export function assignTiers(estimates: number[], ciLow: number[], ciHigh: number[]): number[] {
  const order = descendingOrder(estimates);
  const tiers = new Array<number>(estimates.length);
  tiersInOrder(order, ciLow, ciHigh, null, (i, tier) => {
    tiers[i] = tier;
  });
  return tiers;
}

/** The units by descending estimate, ties by input order: the order the tiers are assigned in. */
function descendingOrder(estimates: readonly number[]): number[] {
  return estimates.map((_, i) => i).sort((a, b) => estimates[b]! - estimates[a]! || a - b);
}

/**
 * The tier rule itself, over the units in `order` (descending estimate): `assign(i, tier)` for
 * each. `shift`, when given, moves each unit's CI by that much (a bootstrap draw).
 */
function tiersInOrder(
  order: readonly number[],
  ciLow: readonly number[],
  ciHigh: readonly number[],
  shift: Float64Array | null,
  assign: (i: number, tier: number) => void,
): void {
  let tier = 0;
  let headLow = Number.NaN;
  for (const i of order) {
    const s = shift ? shift[i]! : 0;
    if (tier === 0 || !(ciHigh[i]! + s >= headLow)) {
      tier++;
      headLow = ciLow[i]! + s;
    }
    assign(i, tier);
  }
}

/**
 * For each unit, the probability that a new sample would give it the tier it was given: the
 * share of parametric-bootstrap draws θ* = θ̂ + Z, Z ~ N(0, Σ) (the joint covariance of the
 * estimates), in which `assignTiers` on θ* (each CI moved with its estimate, widths kept) puts
 * the unit in its published tier. Also the whole distribution (tier → probability).
 * Deterministic for a given `seed`.
 *
 * Limits: CI widths are held at their published values (a logit interval's width changes a
 * little with its estimate).
 *
 * @example
 * const p = tierProbabilities([80, 79, 60], [[4, 0, 0], [0, 4, 0], [0, 0, 4]], [75, 74, 55], [85, 84, 65]);
 */
export function tierProbabilities(
  estimates: number[],
  covariance: number[][],
  ciLow: number[],
  ciHigh: number[],
  options: { draws?: number; seed?: number } = {},
): { tier: number; probability: number; distribution: Record<number, number> }[] {
  const n = estimates.length;
  const draws = options.draws ?? 2000;
  const published = assignTiers(estimates, ciLow, ciHigh);
  const draw = correlatedDraw(cholesky(covariance), gaussian(seededRandom(options.seed ?? 1)));
  // counts[i·(n+1) + tier]: a thousand draws of tens of units, nothing allocated per draw
  const counts = new Int32Array(n * (n + 1));
  const z = new Float64Array(n);
  const star = new Float64Array(n);
  // the published order (descending estimate, ties by input order): each draw's order is found
  // from it by insertion, a few moves for estimates that draws reorder only locally
  const publishedOrder = descendingOrder(estimates);
  const order = new Array<number>(n);
  const before = (a: number, b: number) => star[a]! > star[b]! || (star[a] === star[b] && a < b);
  const count = (i: number, tier: number) => {
    counts[i * (n + 1) + tier]!++;
  };
  for (let d = 0; d < draws; d++) {
    draw(z);
    for (let i = 0; i < n; i++) star[i] = estimates[i]! + z[i]!;
    // assignTiers on the moved estimates and CIs (each CI moved with its estimate): in
    // descendingOrder of the moved estimates (one total order: any sort gives the same)
    for (let r = 0; r < n; r++) {
      const i = publishedOrder[r]!;
      let at = r;
      while (at > 0 && before(i, order[at - 1]!)) {
        order[at] = order[at - 1]!;
        at--;
      }
      order[at] = i;
    }
    tiersInOrder(order, ciLow, ciHigh, z, count);
  }
  const countOf = (i: number, tier: number) => counts[i * (n + 1) + tier]!;
  return published.map((tier, i) => {
    const distribution: Record<number, number> = {};
    for (let t = 1; t <= n; t++) if (countOf(i, t) > 0) distribution[t] = countOf(i, t) / draws;
    return { tier, probability: countOf(i, tier) / draws, distribution };
  });
}
