/**
 * The sae_estimates mart on the demo database (the model run also checks its contract), and the
 * village page that shows it. Expected values are properties the issue states, recomputed here
 * independently: benchmarking (villages weighted by population add up to their township's
 * figure, townships to the district's direct figure from index_estimates, within 1e-9), a model
 * row for every village of the frame (synthetic exactly where nobody answered), the direct
 * village estimate equal to the weighted mean of the village's scores, and the
 * "模型估计 / model-based" label on the village page.
 */
import { randomBytes } from "node:crypto";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COVERAGE_VALIDATION } from "../../analysis/simulation/coverageValidation.ts";
import { closeDatabase, type Database } from "../../db/index.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

let db: Database;
let study: Study;
const t = (name: string) => `"${name}__mass_org_evaluation"`;

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
}, 600_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("sae_estimates", () => {
  it("has one model-based figure for every village of the frame per model, synthetic exactly where nobody answered", async () => {
    const [r] = await db.query<{ models: number; villages: number; bad: number }>(
      `select count(distinct (wave_id, organization_id, index_id, org_level))::int as models,
              count(distinct unit_code)::int as villages,
              count(*) filter (where (method = 'synthetic') <> (n = 0))::int as bad
       from ${t("sae_estimates")} where unit_level = 'village' and method <> 'direct'`,
    );
    expect(r!.villages).toBe(study.units.length);
    expect(r!.bad).toBe(0);
    const [c] = await db.query<{ n: number }>(
      `select count(*)::int as n from ${t("sae_estimates")} where unit_level = 'village' and method <> 'direct'`,
    );
    expect(c!.n).toBe(r!.models * study.units.length);
  });

  it("villages add up to their township and townships to the district's direct figure (1e-9)", async () => {
    const [v] = await db.query<{ worst: number }>(
      `with m as (select * from ${t("sae_estimates")} where method <> 'direct'),
       units as (select unit_code, population from ${t("seed_units")} where unit_level = 'village'),
       agg as (
         select m.wave_id, m.organization_id, m.index_id, m.org_level, m.parent_code,
                sum(m.estimate_0_100 * u.population) / sum(u.population) as village_mean
         from m join units u using (unit_code) where m.unit_level = 'village' group by all)
       select max(abs(agg.village_mean - tw.estimate_0_100)) as worst
       from agg join m tw on tw.unit_level = 'township' and tw.unit_code = agg.parent_code
        and tw.wave_id = agg.wave_id and tw.organization_id = agg.organization_id
        and tw.index_id = agg.index_id and tw.org_level = agg.org_level`,
    );
    expect(v!.worst).toBeLessThan(1e-9);
    const [d] = await db.query<{ worst: number }>(
      `with m as (select * from ${t("sae_estimates")} where method <> 'direct' and unit_level = 'township'),
       pop as (select unit_code, population from ${t("seed_units")} where unit_level = 'township'),
       agg as (select wave_id, organization_id, index_id, org_level, sum(estimate_0_100 * population) / sum(population) as mean
               from m join pop using (unit_code) group by all)
       select max(abs(agg.mean - e.estimate_0_100)) as worst
       from agg join ${t("index_estimates")} e using (wave_id, organization_id, index_id, org_level)
       where e.unit_level = 'district' and e.group_var = '' and e.aspect = ''`,
    );
    expect(d!.worst).toBeLessThan(1e-9);
  });

  it("the direct village figure is the weighted mean of the village's scores, and the model's RMSE is below it on average", async () => {
    const [r] = await db.query<{ worst: number; model: number; direct: number }>(
      `with w as (
         select s.wave_id, s.organization_id, s.index_id, s.level as org_level, c.psu_code as unit_code,
                sum(c.weight * s.score_0_100) / sum(c.weight) as mean
         from ${t("int_index_scores")} s join ${t("int_responses_calibrated")} c using (wave_id, respondent_id)
         where s.aspect = '' and s.index_id in ('awareness', 'participation', 'approval', 'satisfaction')
         group by all)
       select max(abs(w.mean - m.direct_0_100)) as worst, avg(m.rmse_0_100) as model, avg(m.direct_se_0_100) as direct
       from w join ${t("sae_estimates")} m using (wave_id, organization_id, index_id, org_level, unit_code)
       where m.unit_level = 'village' and m.method = 'fay_herriot'`,
    );
    expect(r!.worst).toBeLessThan(1e-9);
    expect(r!.model).toBeLessThan(r!.direct);
  });

  it("writes diagnostics: variances, coefficients with SEs, shrinkage and residual checks per model", async () => {
    const rows = await db.query<{ coefficients: string; mean_shrinkage: number; qq_correlation: number }>(
      `select coefficients, mean_shrinkage, qq_correlation from ${t("sae_diagnostics")}`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const coefs = JSON.parse(r.coefficients) as { estimate: number; stdError: number }[];
      expect(coefs.length).toBe(4); // intercept, rural (urban_rural = 2), log population, log(1 + activities)
      for (const c of coefs) expect(c.stdError).toBeGreaterThan(0);
      expect(r.mean_shrinkage).toBeGreaterThan(0);
      expect(r.mean_shrinkage).toBeLessThan(1);
    }
  });
});

describe("the village page", () => {
  it("/units/T07V003 shows model-based figures labelled 模型估计 / model-based (zh and en)", async () => {
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    await createUser(db, "sae_viewer", "viewer", "a-long-test-password");
    const signin = await request(app)
      .post("/signin")
      .type("form")
      .send({ user: "sae_viewer", password: "a-long-test-password", next: "/" });
    const cookie = String(signin.headers["set-cookie"]).split(";")[0]!;
    const zh = await request(app).get("/units/T07V003").set("Cookie", cookie);
    expect(zh.status).toBe(200);
    expect(zh.text).toContain("模型估计 / model-based");
    expect(zh.text).toMatch(/data-method="(fay_herriot|synthetic)"/);
    const en = await request(app).get("/units/T07V003?lang=en").set("Cookie", cookie);
    expect(en.text).toContain("model-based / 模型估计");
    const method = await request(app).get("/methodology?lang=en").set("Cookie", cookie);
    expect(method.text).toContain("Small-area estimation");
    // the intervals paragraph: the study's rule (nominal) and the coverage the simulation measured
    expect(method.text).toContain("Satterthwaite effective degrees of freedom");
    expect(method.text).toContain(`${COVERAGE_VALIDATION.samples} repeated samples`);
    expect(method.text).toContain(
      `cover on average ${Math.round(COVERAGE_VALIDATION.district * 1000) / 10}% at district level`,
    );
    const methodZh = await request(app).get("/methodology").set("Cookie", cookie);
    expect(methodZh.text).toContain(`${COVERAGE_VALIDATION.samples}次重复抽样`);
    // the township page: its villages as a grid with intervals, each drawn figure the mart's
    const township = await request(app).get("/units/T07").set("Cookie", cookie);
    const index = /class="chart-section village-grid" data-index="([^"]+)"/.exec(township.text)?.[1];
    expect(index).toBeDefined();
    const spec = JSON.parse(
      /<script type="application\/json" id="chart-villages-spec">([\s\S]*?)<\/script>/.exec(
        township.text,
      )![1]!,
    );
    const drawn = JSON.stringify(spec);
    const [{ wave }] = (await db.query<{ wave: string }>(
      `select max(wave_id) as wave from sae_estimates__mass_org_evaluation`,
    )) as [{ wave: string }];
    const expected = await db.query<{ estimate_0_100: number; n: number }>(
      `select e.estimate_0_100, e.n from sae_estimates__mass_org_evaluation e
       join seed_units__mass_org_evaluation u on u.unit_code = e.unit_code and u.unit_level = 'village'
       where u.parent_code = 'T07' and e.unit_level = 'village' and e.is_primary and not e.is_withheld
         and e.wave_id = $1 and e.org_level = 'township' and e.index_id = $2`,
      [wave, index!],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(
      Number(/data-rows="(\d+)"/.exec(township.text.slice(township.text.indexOf('id="chart-villages"')))![1]),
    ).toBe(expected.length);
    for (const e of expected) expect(drawn).toContain(`"estimate":${e.estimate_0_100}`);
  });
});
