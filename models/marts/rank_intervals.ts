import { quoteIdent } from "../../db/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["published_scores"];

/** Bootstrap draws per ranking; the seed makes every run of the same marts give the same sets. */
const DRAWS = 1000;
const SEED = 20260501;

interface Shown {
  wave_id: string;
  organization_id: string;
  index_id: string;
  aspect: string;
  org_level: string;
  unit_code: string;
  estimate_0_100: number;
  se_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  tier: number;
}

/**
 * For every ranked figure (township x organization x index [aspect] x organization level x
 * wave, as published_scores ranks and tiers them: the unit level's primary figures, direct or
 * model-based), its rank with 95% (the study's confidence
 * level) marginal and simultaneous rank confidence sets (Mogstad, Romano, Shaikh & Wilhelm
 * 2024; `rankIntervals`), and the probability of its tier and of every tier
 * (`tierProbabilities`), from a parametric bootstrap of the estimates' joint covariance.
 *
 * The covariance is diagonal (each township's SE², or MSE for a model-based figure): townships
 * are strata, sampled independently; the raking to district-wide margins (sex x age,
 * urban/rural) couples them only weakly. Model-based figures share the model's parameters and
 * are benchmarked to the district, which couples them more: their sets are approximate. A tier whose probability is below 0.8 is flagged (`is_tier_uncertain`).
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const shown = await session.query<Shown>(
    `select wave_id, organization_id, index_id, aspect, org_level, unit_code, estimate_0_100, se_0_100,
            ci_low_0_100, ci_high_0_100, tier::integer as tier
     from ${quoteIdent(ref("published_scores"))}
     where tier is not null
     order by wave_id, organization_id, index_id, aspect, org_level, unit_code`,
  );
  const groups = new Map<string, Shown[]>();
  for (const r of shown) {
    const k = JSON.stringify([r.wave_id, r.organization_id, r.index_id, r.aspect, r.org_level]);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const rows: Record<string, unknown>[] = [];
  // each group's bootstrap on the compute thread, queued there in order
  const computed = [...groups.values()].map((g) => {
    const est = g.map((r) => r.estimate_0_100);
    const cov = g.map((a, i) => g.map((_, j) => (i === j ? a.se_0_100 * a.se_0_100 : 0)));
    return {
      g,
      result: offThread(
        "rankAndTiers",
        est,
        cov,
        g.map((r) => r.ci_low_0_100 ?? r.estimate_0_100),
        g.map((r) => r.ci_high_0_100 ?? r.estimate_0_100),
        { level: study.reporting.confidence_level, draws: DRAWS, seed: SEED },
      ),
    };
  });
  for (const { g, result } of computed) {
    const { sets, tiers } = await result;
    g.forEach((r, i) => {
      const s = sets[i]!;
      const t = tiers[i]!;
      rows.push({
        wave_id: r.wave_id,
        organization_id: r.organization_id,
        index_id: r.index_id,
        aspect: r.aspect,
        org_level: r.org_level,
        unit_code: r.unit_code,
        n_ranked: g.length,
        confidence_level: study.reporting.confidence_level,
        rank: s.rank,
        rank_low: s.marginalLow,
        rank_high: s.marginalHigh,
        rank_low_simultaneous: s.simultaneousLow,
        rank_high_simultaneous: s.simultaneousHigh,
        tier: t.tier,
        tier_assigned: r.tier,
        tier_probability: t.probability,
        is_tier_uncertain: t.probability < 0.8,
        tier_probabilities: JSON.stringify(t.distribution),
      });
    });
  }
  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      organization_id: "varchar",
      index_id: "varchar",
      aspect: "varchar",
      org_level: "varchar",
      unit_code: "varchar",
      n_ranked: "integer",
      confidence_level: "double",
      rank: "integer",
      rank_low: "integer",
      rank_high: "integer",
      rank_low_simultaneous: "integer",
      rank_high_simultaneous: "integer",
      tier: "integer",
      tier_assigned: "integer",
      tier_probability: "double",
      is_tier_uncertain: "boolean",
      tier_probabilities: "varchar",
    },
    rows,
  );
}
