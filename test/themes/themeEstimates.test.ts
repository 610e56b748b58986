/**
 * Theme shares on the demo: the mart's figures held to (1) R survey 4.1.1 for one theme (the
 * fixture test/fixtures/r-survey/themes/childcare_op_wf_2026.json, made by the committed
 * make-theme-fixture.R from the exported data), (2) a plain SQL recomputation of every district,
 * township and group share (weighted sums over the calibrated weights and the coded answers), and
 * (3) the privacy rule: the open text reaches no model unmasked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { rawTableName } from "../../ingest/index.ts";
import { createRelease, readRelease } from "../../models/index.ts";
import { computeTasks } from "../../models/runner/computeTasks.ts";
import type { Study } from "../../study/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

const FIXTURE = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/r-survey/themes/childcare_op_wf_2026.json"), "utf8"),
) as { estimate: number; se: number; ci_low: number; ci_high: number; n: number };

describe("theme estimates on the demo", () => {
  let db: Database;
  let study: Study;

  beforeAll(async () => {
    ({ db, study } = await demoDatabase());
  }, 600_000);

  afterAll(async () => {
    if (db) await closeDatabase(db);
  });

  it("equals R survey for the share raising childcare in op_wf, 2026 (raked design, logit CI)", async () => {
    const [row] = await db.query<{
      estimate_0_100: number;
      se_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      n: number;
    }>(
      `select estimate_0_100, se_0_100, ci_low_0_100, ci_high_0_100, n from theme_estimates__mass_org_evaluation
       where wave_id = '2026' and item = 'op_wf' and theme_id = 'childcare' and unit_level = 'district' and group_var = ''`,
    );
    expect(row!.n).toBe(FIXTURE.n);
    // both rake to convergence (1e-8 in study.yaml, 1e-10 in R): agreement to 1e-9
    expect(row!.estimate_0_100 / 100).toBeCloseTo(FIXTURE.estimate, 8);
    expect(row!.se_0_100 / 100).toBeCloseTo(FIXTURE.se, 7);
    expect(row!.ci_low_0_100 / 100).toBeCloseTo(FIXTURE.ci_low, 6);
    expect(row!.ci_high_0_100 / 100).toBeCloseTo(FIXTURE.ci_high, 6);
  });

  it("equals weighted sums written out in SQL, for every share and unit", async () => {
    const off = await db.query<Record<string, unknown>>(
      `with flags as (
         select c.wave_id, c.item, c.respondent_id, w.weight, r.stratum_code, r.sex,
                t.theme_id,
                case when t.theme_id = '_blank' then c.is_blank
                     when t.theme_id = '_uncoded' then c.is_uncoded
                     else list_contains(c.theme_ids, t.theme_id) end as raised
         from int_open_answers_coded__mass_org_evaluation c
         join int_responses_calibrated__mass_org_evaluation w using (wave_id, respondent_id)
         join stg_responses__mass_org_evaluation r using (wave_id, respondent_id)
         cross join (select distinct theme_id from theme_estimates__mass_org_evaluation) t
       ),
       by_unit as (
         select wave_id, item, theme_id, 'district' as unit_level, '' as unit_code, '' as group_var, '' as group_value,
                sum(weight * raised::int) / sum(weight) * 100 as share, count(*) as n
         from flags group by all
         union all
         select wave_id, item, theme_id, 'township', stratum_code, '', '',
                sum(weight * raised::int) / sum(weight) * 100, count(*)
         from flags group by all
         union all
         select wave_id, item, theme_id, 'district', '', 'sex', sex,
                sum(weight * raised::int) / sum(weight) * 100, count(*)
         from flags group by all
       )
       select * from by_unit b
       full join theme_estimates__mass_org_evaluation e
         using (wave_id, item, theme_id, unit_level, unit_code, group_var, group_value)
       where (e.group_var in ('', 'sex') or e.wave_id is null)
         and (e.estimate_0_100 is null or b.share is null or abs(e.estimate_0_100 - b.share) > 1e-9 or e.n <> b.n)`,
    );
    expect(off).toEqual([]);
    const [{ rows }] = (await db.query<{ rows: number }>(
      "select count(*)::integer as rows from theme_estimates__mass_org_evaluation where group_var in ('', 'sex')",
    )) as [{ rows: number }];
    // 3 waves x 3 questions x 12 shares (10 themes, blank, uncoded) x (district + 50 townships + 2 sexes)
    expect(rows).toBe(3 * 3 * 12 * 53);
  });

  it("reports the blank share and change between waves, and suppresses small cells", async () => {
    const [blank] = await db.query<Record<string, number>>(
      `select estimate_0_100 from theme_scores__mass_org_evaluation
       where wave_id = '2026' and item = 'op_un' and theme_id = '_blank' and unit_level = 'district' and group_var = ''`,
    );
    // the generator leaves about 30% blank (45% at 60+), plus a few "/" and "-" typed in
    expect(blank!.estimate_0_100).toBeGreaterThan(25);
    expect(blank!.estimate_0_100).toBeLessThan(45);
    const changes = await db.query<Record<string, unknown>>(
      `select * from theme_scores__mass_org_evaluation
       where wave_id = '2025' and unit_level = 'district' and group_var = '' and not is_withheld and change_0_100 is null`,
    );
    expect(changes).toEqual([]);
    const small = await db.query<Record<string, unknown>>(
      `select * from theme_scores__mass_org_evaluation s
       join theme_estimates__mass_org_evaluation e using (wave_id, item, theme_id, unit_level, unit_code, group_var, group_value)
       where e.n < 30 and not s.is_withheld`,
    );
    expect(small).toEqual([]);
  });

  it("keeps the raw text out of every model: staging has no open-answer column, masked answers no phone number", async () => {
    const columns = await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns
       where table_name = 'stg_responses__mass_org_evaluation' and column_name like 'op\\_%' escape '\\'`,
    );
    expect(columns).toEqual([]);
    const [counts] = await db.query<{ masked: number; digits: number; phones_raw: number }>(
      `select (select count(*)::integer from stg_open_answers__mass_org_evaluation where n_masked > 0) as masked,
              (select count(*)::integer from stg_open_answers__mass_org_evaluation where regexp_matches(answer, '1[3-9][0-9]{9}')) as digits,
              (select count(*)::integer from raw_responses__mass_org_evaluation
                where regexp_matches(coalesce(op_un, '') || coalesce(op_yl, '') || coalesce(op_wf, ''), '1[3-9][0-9]{9}')) as phones_raw`,
    );
    expect(counts!.phones_raw).toBeGreaterThan(50);
    expect(counts!.masked).toBeGreaterThan(counts!.phones_raw);
    expect(counts!.digits).toBe(0);
  });

  it("freezes the wave's theme shares in a release, as theme_scores holds them", async () => {
    const record = await createRelease(db, study, "2026", "test");
    const { file } = await readRelease(db, record.release_id);
    const expected = await db.query<Record<string, unknown>>(
      `select * from theme_scores__mass_org_evaluation where wave_id = '2026'
       order by item, theme_id, unit_level, unit_code, group_var, group_value`,
    );
    expect(file.theme_rows?.length).toBe(expected.length);
    const columns = file.theme_columns!;
    const rows = file.theme_rows!.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    expect(rows).toEqual(expected.map((e) => Object.fromEntries(columns.map((c) => [c, e[c] ?? null]))));
  });
  it("masks and codes each answer as the plain functions do, row by row (the models work per distinct text)", async () => {
    const setup = openAnswerSetup(study)!;
    const raw = rawTableName(study.id);
    const expected = new Map<
      string,
      { answer: string | null; masked: number; blank: boolean; themes: string[]; why: string[] }
    >();
    for (const { item } of setup.items) {
      const rows = await db.query<{ wave_id: string; respondent_id: string; text: string | null }>(
        `select r.wave_id, r.respondent_id, cast(r.${item} as varchar) as text
         from ${raw} r join stg_responses__mass_org_evaluation s using (wave_id, respondent_id, upload_id)`,
      );
      const masked = computeTasks.maskAnswers(rows.map((r) => r.text));
      const coded = computeTasks.codeAnswers(
        setup.files,
        setup.codebook,
        masked.map((m) => m.text),
      );
      rows.forEach((r, i) => {
        expected.set(`${r.wave_id}|${r.respondent_id}|${item}`, {
          answer: masked[i]!.text,
          masked: masked[i]!.masked,
          blank: coded[i]!.isBlank,
          themes: coded[i]!.themes,
          why: coded[i]!.explanations,
        });
      });
    }
    const got = await db.query<{
      key: string;
      answer: string | null;
      n_masked: number;
      is_blank: boolean;
      theme_ids: string[];
      explanations: string[];
    }>(
      `select o.wave_id || '|' || o.respondent_id || '|' || o.item as key, o.answer, o.n_masked,
              c.is_blank, c.theme_ids, c.explanations
       from stg_open_answers__mass_org_evaluation o
       join int_open_answers_coded__mass_org_evaluation c using (wave_id, respondent_id, item)`,
    );
    expect(got.length).toBe(expected.size);
    let masked = 0;
    let themed = 0;
    for (const g of got) {
      const e = expected.get(g.key)!;
      expect({
        key: g.key,
        answer: g.answer,
        masked: g.n_masked,
        blank: g.is_blank,
        themes: [...g.theme_ids],
        why: [...g.explanations],
      }).toEqual({
        key: g.key,
        answer: e.answer,
        masked: e.masked,
        blank: e.blank,
        themes: e.themes,
        why: e.why,
      });
      if (e.masked > 0) masked++;
      if (e.themes.length > 0) themed++;
    }
    // the check has teeth: the demo has masked answers and coded themes
    expect(masked).toBeGreaterThan(0);
    expect(themed).toBeGreaterThan(100);
  });
});
