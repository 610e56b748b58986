import { readFileSync } from "node:fs";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// The demo study's marts against the generator's true values, which it computes over the
// whole synthetic population in its own plain loops (never with the estimation code), and a
// few figures recomputed here from staging with weighted sums written out in SQL.

interface Figure {
  wave_id: string;
  organization_id: string;
  index_id: string;
  aspect: string;
  org_level: string;
  unit_level: string;
  unit_code: string;
  group_var: string;
  group_value: string;
  estimate_0_100: number;
  se_0_100: number;
  n: number;
}

let db: Database;
let study: Study;
let truth: Map<string, number>;
let figures: Figure[];

/** The truth file's name for a mart figure. */
function truthIndex(f: Figure): string {
  if (f.index_id === "approval_aspect") return `approval_${f.aspect.split("_").at(-1)}`;
  if (f.index_id === "awareness" && f.org_level === "village") return "awareness_village";
  return f.index_id;
}

const truthKey = (
  wave: string,
  org: string,
  index: string,
  level: string,
  unit: string,
  gv: string,
  gval: string,
) => [wave, org, index, level, unit, gv, gval].join("|");

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
  const rows = Papa.parse<Record<string, string>>(readFileSync(join(study.dir, "truth/truth.csv"), "utf8"), {
    header: true,
    skipEmptyLines: true,
  }).data;
  truth = new Map(
    rows.map((r) => [
      truthKey(r.wave!, r.organization!, r.index!, r.level!, r.unit_code!, r.group_var!, r.group_value!),
      Number(r.value_0_100),
    ]),
  );
  figures = await db.query<Figure>("select * from index_estimates__mass_org_evaluation");
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

function zOf(f: Figure): number | undefined {
  if (f.org_level === "village" && f.unit_level !== "village" && f.index_id !== "awareness") return undefined;
  const t = truth.get(
    truthKey(
      f.wave_id,
      f.organization_id,
      truthIndex(f),
      f.unit_level,
      f.unit_code,
      f.group_var,
      f.group_value,
    ),
  );
  if (t === undefined) return undefined;
  return (f.estimate_0_100 - t) / f.se_0_100;
}

describe("demo study against the truth", () => {
  it("every district figure (each organization, index and wave) lies within 4 SE of the truth", () => {
    const district = figures.filter(
      (f) => f.unit_level === "district" && f.group_var === "" && f.org_level === "township",
    );
    expect(district.length).toBe(3 * 3 * 10); // waves x organizations x (4 indices, 4 aspects, % satisfied, composite)
    for (const f of district) {
      const z = zOf(f);
      expect(z, `no truth for ${JSON.stringify(f)}`).toBeTypeOf("number");
      expect(
        Math.abs(z!),
        `${f.wave_id} ${f.organization_id} ${f.index_id} ${f.aspect}: ${f.estimate_0_100} ± ${f.se_0_100}`,
      ).toBeLessThan(4);
    }
  });

  it("at most 1% of township and demographic-group figures lie outside 4 SE of the truth", () => {
    const others = figures.filter(
      (f) => (f.unit_level === "township" || f.group_var !== "") && f.se_0_100 > 0,
    );
    const zs = others.map(zOf).filter((z): z is number => z !== undefined);
    expect(zs.length).toBeGreaterThan(3000);
    const outside = zs.filter((z) => Math.abs(z) >= 4).length;
    expect(outside / zs.length).toBeLessThanOrEqual(0.01);
  });

  it("a district rate, a township approval and a group satisfaction equal weighted sums written out from staging", async () => {
    const byHand = await db.query<{ aware: number; approval: number; satisfaction: number }>(
      `with r as (
         select s.*, w.weight
         from stg_responses__mass_org_evaluation s
         join int_responses_calibrated__mass_org_evaluation w using (wave_id, respondent_id)
         where s.wave_id = '2025'
       ),
       approval as (
         select respondent_id, weight, avg((try_cast(a as double) - 1) / 4 * 100) as score
         from (select respondent_id, weight, unnest([ap_yl_guide, ap_yl_serve, ap_yl_rights, ap_yl_close]) as a from r where township_code = 'T07')
         where a is not null and a <> '9'
         group by all
       )
       select
         (select sum(weight * (aw_un_t = '1')::int) / sum(weight) * 100 from r where aw_un_t is not null) as aware,
         (select sum(weight * score) / sum(weight) from approval) as approval,
         (select sum(weight * (try_cast(sa_wf as double) - 1) / 4 * 100) / sum(weight) from r where sex = '2' and sa_wf is not null and sa_wf <> '9') as satisfaction`,
    );
    const find = (org: string, index: string, unitLevel: string, unit: string, gv: string, gval: string) =>
      figures.find(
        (f) =>
          f.wave_id === "2025" &&
          f.organization_id === org &&
          f.index_id === index &&
          f.aspect === "" &&
          f.org_level === "township" &&
          f.unit_level === unitLevel &&
          f.unit_code === unit &&
          f.group_var === gv &&
          f.group_value === gval,
      )!.estimate_0_100;
    expect(find("union", "awareness", "district", "", "", "")).toBeCloseTo(byHand[0]!.aware, 9);
    expect(find("youth_league", "approval", "township", "T07", "", "")).toBeCloseTo(byHand[0]!.approval, 9);
    expect(find("womens_federation", "satisfaction", "district", "", "sex", "2")).toBeCloseTo(
      byHand[0]!.satisfaction,
      9,
    );
  });

  it("the composite is the versioned combination of the four indices", () => {
    const f = (index: string) =>
      figures.find(
        (x) =>
          x.wave_id === "2026" &&
          x.organization_id === "union" &&
          x.index_id === index &&
          x.unit_level === "district" &&
          x.group_var === "" &&
          x.aspect === "" &&
          x.org_level === "township",
      )!;
    const w = study.composite!.weights;
    const expected =
      w.awareness! * f("awareness").estimate_0_100 +
      w.participation! * f("participation").estimate_0_100 +
      w.approval! * f("approval").estimate_0_100 +
      w.satisfaction! * f("satisfaction").estimate_0_100;
    expect(f("composite").estimate_0_100).toBeCloseTo(expected, 9);
    // its SE comes from the joint covariance: positive, and below the SE if all four were perfectly correlated
    const upper =
      w.awareness! * f("awareness").se_0_100 +
      w.participation! * f("participation").se_0_100 +
      w.approval! * f("approval").se_0_100 +
      w.satisfaction! * f("satisfaction").se_0_100;
    expect(f("composite").se_0_100).toBeGreaterThan(0);
    expect(f("composite").se_0_100).toBeLessThan(upper);
  });
});
