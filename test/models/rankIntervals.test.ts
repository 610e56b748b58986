/**
 * The rank_intervals mart on the demo: every township figure published_scores ranks has its rank,
 * marginal and simultaneous 95% rank sets and tier probabilities; the contract (checked in the
 * model run) already ties its tiers to published_scores'. Against: published_scores' own positions
 * and tiers, and hand rules (a set holds its rank; simultaneous sets are never narrower).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

let db: Database;
beforeAll(async () => {
  ({ db } = await demoDatabase());
}, 600_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("rank_intervals", () => {
  it("covers every ranked figure with its published_scores position and tier", async () => {
    const [counts] = await db.query<{ ranked: number; rows: number; same: number }>(
      `select
         (select count(*)::int from published_scores__mass_org_evaluation where tier is not null) as ranked,
         (select count(*)::int from rank_intervals__mass_org_evaluation) as rows,
         (select count(*)::int from rank_intervals__mass_org_evaluation r
            join (select *, row_number() over (partition by wave_id, organization_id, index_id, aspect, org_level
                                               order by estimate_0_100 desc, unit_code) as position
                  from published_scores__mass_org_evaluation where tier is not null) s
              using (wave_id, organization_id, index_id, aspect, org_level, unit_code)
            where r.rank = s.position and r.tier = s.tier) as same`,
    );
    expect(counts!.rows).toBe(counts!.ranked);
    expect(counts!.same).toBe(counts!.ranked);
  });

  it("ranks of about 50 townships from about 40 respondents each are wide, and some tiers are uncertain", async () => {
    const [s] = await db.query<{ width: number; sim_width: number; uncertain: number; n: number }>(
      `select avg(rank_high - rank_low)::double as width,
              avg(rank_high_simultaneous - rank_low_simultaneous)::double as sim_width,
              count(*) filter (where is_tier_uncertain)::int as uncertain,
              count(*)::int as n
       from rank_intervals__mass_org_evaluation where wave_id = '2026' and index_id = 'satisfaction'`,
    );
    expect(s!.n).toBeGreaterThan(0);
    expect(s!.width).toBeGreaterThan(3);
    expect(s!.sim_width).toBeGreaterThanOrEqual(s!.width);
    expect(s!.uncertain).toBeGreaterThan(0);
  });
});
