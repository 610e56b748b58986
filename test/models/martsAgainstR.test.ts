import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qnorm, qt } from "../../analysis/index.ts";
import { closeDatabase, type Database } from "../../db/index.ts";
import { INPUT_CSV, inputCsv, SCORES, WAVE } from "../fixtures/demo-r/export-input.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// The published marts against R survey 4.1.1, not only the engine against R: the demo study's
// wave 2026, the union's scores at township level (rates and means) and the composite index,
// for the district and all 50 townships, from the design the models use (Brewer's approximation
// over both stages, R's svydesign(ids = ~psu + respondent_id, fpc = ~frame_pps + frame_ssu,
// pps = "brewer")) and its raking, computed by test/fixtures/demo-r/make-fixture.R from
// input-2026.csv (see README.md there).

interface Figure {
  estimate: number;
  se: number;
  n: number;
  /** rates only: svyciprop's logit interval on normal quantiles (df = Inf; JSON "Infinity") */
  ci_low?: number;
  ci_high?: number;
  df?: number | "Infinity";
}
interface Fixture {
  wave: string;
  respondents: number;
  raking: {
    max_relative_margin_error: number;
    with_r_epsilon_1e8: { max_relative_margin_error: number; satisfaction_district: Figure };
  };
  weights: { sum: number; first: Record<string, number>; last: Record<string, number> };
  district: Record<string, Figure>;
  township: Record<string, Record<string, Figure>>;
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/demo-r/marts-2026.json"), "utf8"),
) as Fixture;
const COMPOSITE = "composite__union__township";
/**
 * Estimates on the 0-100 scale. Not 1e-8: the engine stops raking when every margin is within
 * study.yaml's tolerance (1e-8 relative), and its weights are then up to 1.3e-9 (relative) from
 * fully converged ones, which R's are here (see make-fixture.R); that moves township figures by
 * up to 1.2e-8 (awareness in T07; R's formula with the engine's weights gives the mart's figure
 * to the last bit). A weighted mean of 0-100 scores with weights within 2e-9 of R's (checked
 * below) can move by up to 2 x 2e-9 x 100 = 4e-7; 1e-7 is still 1e-9 of the scale.
 */
const ESTIMATE_TOLERANCE = 1e-7;
const REGENERATE =
  "the demo data or its models changed: rerun test/fixtures/demo-r/export-input.ts and make-fixture.R (README.md there)";

let db: Database;
let dir: string;
beforeAll(async () => {
  ({ db, dir } = await demoDatabase());
});
afterAll(async () => {
  if (db) await closeDatabase(db);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the demo marts against R survey (wave 2026)", () => {
  it("the fixture's input is still what the demo database gives", async () => {
    const csv = await inputCsv(db);
    expect(csv === readFileSync(INPUT_CSV, "utf8"), REGENERATE).toBe(true);
    expect(fixture.wave).toBe(WAVE);
    expect(fixture.respondents).toBe(csv.trim().split("\n").length - 1);
  });

  it("the raked weights are R's", async () => {
    const rows = await db.query<{ respondent_id: string; weight: number }>(
      `select respondent_id, weight from int_responses_calibrated__mass_org_evaluation where wave_id = ?`,
      [WAVE],
    );
    const weights = new Map(rows.map((r) => [r.respondent_id, r.weight]));
    const sum = rows.reduce((a, r) => a + r.weight, 0);
    expect(Math.abs(sum - fixture.weights.sum) / fixture.weights.sum).toBeLessThan(1e-10);
    for (const [id, w] of Object.entries({ ...fixture.weights.first, ...fixture.weights.last }))
      expect(Math.abs(weights.get(id)! - w) / w, id).toBeLessThan(2e-9);
  });

  it("R's own stopping rule at epsilon = 1e-8 would not do (why the fixture rakes to convergence)", async () => {
    const loose = fixture.raking.with_r_epsilon_1e8;
    expect(loose.max_relative_margin_error).toBeGreaterThan(1e-8); // outside the study's tolerance
    expect(fixture.raking.max_relative_margin_error).toBeLessThan(1e-12);
    const [mart] = await db.query<{ estimate_0_100: number }>(
      `select estimate_0_100 from index_estimates__mass_org_evaluation
       where wave_id = ? and index_id = 'satisfaction' and organization_id = 'union' and org_level = 'township'
         and aspect = '' and group_var = '' and unit_level = 'district'`,
      [WAVE],
    );
    const converged = fixture.district.satisfaction__union__township!.estimate;
    expect(Math.abs(mart!.estimate_0_100 - converged)).toBeLessThan(1e-9);
    expect(Math.abs(loose.satisfaction_district.estimate - converged)).toBeGreaterThan(1e-7);
  });

  it("district and township estimates and SEs are R's", async () => {
    const rows = await db.query<{
      key: string;
      unit_level: string;
      unit_code: string;
      estimate_0_100: number;
      se_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      df: number | null;
      n: number;
    }>(
      `select index_id || '__' || organization_id || '__' || org_level as key, unit_level, unit_code,
              estimate_0_100, se_0_100, ci_low_0_100, ci_high_0_100, df, n
       from index_estimates__mass_org_evaluation
       where wave_id = ? and organization_id = 'union' and org_level = 'township' and aspect = ''
         and group_var = '' and unit_level in ('district', 'township')`,
      [WAVE],
    );
    const mart = new Map(rows.map((r) => [`${r.key}|${r.unit_level}|${r.unit_code}`, r]));
    const differences: { figure: string; estimate: number; se: number; ci: number }[] = [];
    for (const key of [...SCORES, COMPOSITE])
      for (const [level, code, r] of [
        ["district", "", fixture.district[key]!] as const,
        ...Object.entries(fixture.township[key]!).map(([c, f]) => ["township", c, f] as const),
      ]) {
        const m = mart.get(`${key}|${level}|${code}`);
        expect(m, `${key} ${level} ${code} missing from the mart`).toBeDefined();
        expect(m!.n, `${key} ${level} ${code} n`).toBe(r.n);
        if (r.df !== undefined)
          expect(m!.df, `${key} ${level} ${code} df`).toBe(r.df === "Infinity" ? null : r.df); // null: a normal interval
        differences.push({
          figure: `${key} ${level} ${code}`,
          estimate: Math.abs(m!.estimate_0_100 - r.estimate),
          se: Math.abs(m!.se_0_100 - r.se) / r.se,
          ci:
            r.ci_low === undefined
              ? 0
              : Math.max(Math.abs(m!.ci_low_0_100 - r.ci_low), Math.abs(m!.ci_high_0_100 - r.ci_high!)),
        });
      }
    const worst = (k: "estimate" | "se" | "ci") => differences.reduce((a, d) => (d[k] > a[k] ? d : a));
    console.log(
      `marts vs R: ${differences.length} figures; largest |estimate difference| ${worst("estimate").estimate.toExponential(2)} (${worst("estimate").figure}), largest relative SE difference ${worst("se").se.toExponential(2)} (${worst("se").figure}), largest interval bound difference (rates) ${worst("ci").ci.toExponential(2)} (${worst("ci").figure})`,
    );
    expect(differences.length).toBe((SCORES.length + 1) * 51);
    expect(
      Object.values(fixture.township)
        .flatMap((t) => Object.values(t))
        .filter((f) => f.df !== undefined),
    ).toHaveLength(150);
    for (const d of differences) {
      expect(d.estimate, `${d.figure}: estimate`).toBeLessThan(ESTIMATE_TOLERANCE);
      expect(d.se, `${d.figure}: SE (relative)`).toBeLessThan(1e-8);
      expect(d.ci, `${d.figure}: interval`).toBeLessThan(ESTIMATE_TOLERANCE);
    }
  });

  it("means: t on their Satterthwaite df; the composite: t on its means' smallest df (reporting.intervals nominal)", async () => {
    const rows = await db.query<{
      index_id: string;
      unit_code: string;
      estimator: string | null;
      estimate_0_100: number;
      se_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      df: number;
    }>(
      `select e.index_id, e.unit_code, s.estimator, e.estimate_0_100, e.se_0_100, e.ci_low_0_100,
              e.ci_high_0_100, e.df
       from index_estimates__mass_org_evaluation as e
       left join (select distinct index_id, estimator from int_index_scores__mass_org_evaluation) s using (index_id)
       where e.wave_id = ? and e.organization_id = 'union' and e.org_level = 'township' and e.aspect = ''
         and e.group_var = '' and e.unit_level in ('district', 'township')
         and (e.index_id like 'composite%' or s.estimator = 'mean')`,
      [WAVE],
    );
    expect(rows.filter((r) => r.index_id.startsWith("composite"))).toHaveLength(51);
    expect(rows).toHaveLength(3 * 51); // approval, satisfaction, composite
    // the respondents of a township minus its villages: the most df a Satterthwaite df can have
    const units = await db.query<{ unit_code: string; respondents: number; villages: number }>(
      `select stratum_code as unit_code, count(*)::int as respondents, count(distinct psu_code)::int as villages
       from int_responses_calibrated__mass_org_evaluation where wave_id = ? group by all`,
      [WAVE],
    );
    const most = new Map(units.map((u) => [u.unit_code, u.respondents - 1]));
    const meansDf = new Map<string, number>();
    for (const r of rows.filter((r) => r.estimator === "mean"))
      meansDf.set(r.unit_code, Math.min(meansDf.get(r.unit_code) ?? Number.POSITIVE_INFINITY, r.df));
    let belowVillages = 0;
    for (const r of rows) {
      const figure = `${r.index_id} ${r.unit_code || "district"}`;
      expect(Number.isFinite(r.df) && r.df >= 1, `${figure}: df ${r.df}`).toBe(true);
      if (r.unit_code) expect(r.df, `${figure}: df`).toBeLessThanOrEqual(most.get(r.unit_code)!);
      if (r.index_id.startsWith("composite")) expect(r.df, `${figure}: df`).toBe(meansDf.get(r.unit_code));
      const half = qt(0.975, r.df) * r.se_0_100;
      expect(Math.abs(r.ci_high_0_100 - r.estimate_0_100 - half), `${figure}: upper`).toBeLessThan(1e-9);
      expect(Math.abs(r.estimate_0_100 - r.ci_low_0_100 - half), `${figure}: lower`).toBeLessThan(1e-9);
      // R's confint(svymean) / confint(svycontrast) is normal: t is wider wherever df is finite
      expect(half, figure).toBeGreaterThan(qnorm(0.975) * r.se_0_100);
      const u = units.find((x) => x.unit_code === r.unit_code);
      if (u && r.df < u.villages - 1) belowVillages++;
    }
    // a two-stage variance's df are mostly the within-village terms': more than villages − 1
    expect(belowVillages, "township figures with fewer df than villages − 1").toBeLessThan(rows.length / 2);
  });
});
