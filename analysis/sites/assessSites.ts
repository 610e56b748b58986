import { qnorm } from "../distributions/qnorm.ts";
import { qt } from "../distributions/qt.ts";
import { fitMixedModel } from "../mixed/fitMixedModel.ts";
import {
  type InterRaterReliability,
  intraclassCorrelation,
  isConnected,
} from "../mixed/intraclassCorrelation.ts";

export interface SiteRating {
  site: string;
  assessor: string;
  /** The assessor's work group. */
  group: string;
  /** The weighted total of the six haves, 0–100. */
  total: number;
}

export interface SiteScore {
  site: string;
  nRatings: number;
  /** The site's assessment total for an assessor of average severity, with its SE. */
  assessment: number;
  assessmentSe: number;
  /** The served people's mean satisfaction (0–100) and its design-based SE, when surveyed. */
  satisfaction: number | null;
  satisfactionSe: number | null;
  /** w_a · assessment + w_s · satisfaction (or the assessment alone without a survey). */
  combined: number;
  combinedSe: number;
  ciLow: number;
  ciHigh: number;
}

export interface RaterEffect {
  id: string;
  /** Severity (negative) or leniency (positive), in points of the total, with its SE. */
  effect: number;
  se: number;
  ciLow: number;
  ciHigh: number;
  nRatings: number;
}

export interface SitesAssessment {
  sites: SiteScore[];
  /** Per assessor; empty when the design does not identify them (see `identified`). */
  assessors: RaterEffect[];
  /** Per work group: the mean of its assessors' effects. */
  groups: RaterEffect[];
  /** Assessor and group effects are identified only where assessors are crossed with sites. */
  identified: boolean;
  reliability: InterRaterReliability;
  /** Variance components of the scoring model (site fixed, assessor random). */
  assessorVariance: number;
  residualVariance: number;
}

/**
 * One half-year's assessment of demonstration sites by assessors, as a linear mixed model.
 *
 * - **Site scores:** total = site + assessor + error, the site a fixed effect and the assessor
 *   a random one (REML; lme4: `lmer(total ~ 0 + site + (1 | assessor))`). A site's score is
 *   what an assessor of average severity would give it; its SE carries both the assessors'
 *   disagreement and their severity, and no site is shrunk toward the others: a named site is
 *   judged on its own evidence, as an exit decision demands.
 * - **Combined score:** w_a · score + w_s · served people's satisfaction, the two independent,
 *   so its variance is w_a² SE_a² + w_s² SE_s²; a t interval at `level` on the residual df.
 * - **Assessor and group effects** (BLUPs with prediction SEs) only when the site–assessor graph
 *   is connected and there are at least three assessors; otherwise they are not identified.
 * - **Reliability:** the agreement ICC of one assessor's total from
 *   `lmer(total ~ 1 + (1 | site) + (1 | assessor))`, with a bootstrap interval.
 *
 * @example assessSites(ratings, new Map([["S01", { estimate: 80, se: 3 }]]), { assessment: 0.8, survey: 0.2 })
 */
export function assessSites(
  ratings: readonly SiteRating[],
  survey: ReadonlyMap<string, { estimate: number; se: number }>,
  weights: { assessment: number; survey: number },
  options: { level?: number; replicates?: number; seed?: number } = {},
): SitesAssessment {
  const level = options.level ?? 0.95;
  const z = qnorm(1 - (1 - level) / 2);
  const sites = [...new Set(ratings.map((r) => r.site))].sort();
  const fit = fitMixedModel({
    y: ratings.map((r) => r.total),
    x: ratings.map((r) => sites.map((s) => (s === r.site ? 1 : 0))),
    xNames: sites,
    random: [{ name: "assessor", levels: ratings.map((r) => r.assessor) }],
  });
  // Intervals use t on the residual degrees of freedom left after the site effects and the
  // assessor variance (n − sites − 1): with two visits a site and a variance estimated from a
  // few assessors, a normal interval under-covers (94% → 93% in sim:sites).
  const df = Math.max(1, ratings.length - sites.length - 1);
  const tq = qt(1 - (1 - level) / 2, df);
  const scores: SiteScore[] = sites.map((site, j) => {
    const a = fit.fixed[j] as { estimate: number; se: number };
    const s = survey.get(site) ?? null;
    const wa = s ? weights.assessment : 1;
    const ws = s ? weights.survey : 0;
    const combined = wa * a.estimate + ws * (s?.estimate ?? 0);
    const combinedSe = Math.sqrt(wa * wa * a.se * a.se + ws * ws * (s?.se ?? 0) ** 2);
    return {
      site,
      nRatings: ratings.filter((r) => r.site === site).length,
      assessment: a.estimate,
      assessmentSe: a.se,
      satisfaction: s?.estimate ?? null,
      satisfactionSe: s?.se ?? null,
      combined,
      combinedSe,
      ciLow: combined - tq * combinedSe,
      ciHigh: combined + tq * combinedSe,
    };
  });
  const assessorIds = [...new Set(ratings.map((r) => r.assessor))].sort();
  const identified =
    isConnected(
      ratings.map((r) => r.site),
      ratings.map((r) => r.assessor),
    ) && assessorIds.length >= 3;
  const effect = (id: string, coefs: Record<string, number>, n: number): RaterEffect => {
    const blups = fit.random.assessor ?? [];
    const value = Object.entries(coefs).reduce(
      (s, [a, c]) => s + c * (blups.find((b) => b.level === a) as { blup: number }).blup,
      0,
    );
    const se = Math.sqrt(fit.predictionVariance(new Array(sites.length).fill(0), { assessor: coefs }));
    return { id, effect: value, se, ciLow: value - z * se, ciHigh: value + z * se, nRatings: n };
  };
  const assessors = identified
    ? assessorIds.map((a) => effect(a, { [a]: 1 }, ratings.filter((r) => r.assessor === a).length))
    : [];
  const groupIds = [...new Set(ratings.map((r) => r.group))].sort();
  const groups =
    identified && groupIds.length >= 2
      ? groupIds.map((g) => {
          const members = [...new Set(ratings.filter((r) => r.group === g).map((r) => r.assessor))];
          return effect(
            g,
            Object.fromEntries(members.map((m) => [m, 1 / members.length])),
            ratings.filter((r) => r.group === g).length,
          );
        })
      : [];
  const reliability = intraclassCorrelation(
    {
      subject: ratings.map((r) => r.site),
      rater: ratings.map((r) => r.assessor),
      y: ratings.map((r) => r.total),
    },
    { replicates: options.replicates ?? 200, seed: options.seed ?? 20180116, level },
  );
  return {
    sites: scores,
    assessors,
    groups,
    identified,
    reliability,
    assessorVariance: (fit.variances[0] as { variance: number }).variance,
    residualVariance: fit.residualVariance,
  };
}
