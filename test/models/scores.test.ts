import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";

// The scores are computed wide, from the responses, by SQL generated from the index
// definitions. Here they are checked against the rules written once more in long form, over
// stg_answers, on a study with every rule in play: "don't know" excluded from a rate,
// refusals, blanks, a scale mean over aspects, "% satisfied", an item renamed between
// codebook versions, and an index nobody answered.

const STUDY = `id: scoring
title: { zh: 计分, en: Scoring }
respondent_id: rid
codebooks: [{ version: v1, file: v1.yaml }, { version: v2, file: v2.yaml }]
waves:
  - { id: "2024", title: { zh: 2024年, en: "2024" }, codebook: v1 }
  - { id: "2025", title: { zh: 2025年, en: "2025" }, codebook: v2 }
renames: [{ from: v1, to: v2, items: { sat_old: sat } }]
frame: { file: frame.csv, stratum: town, psu: village, population: pop }
organizations: [{ id: union, name: { zh: 工会, en: Trade union } }]
indices:
  - { index: awareness, organization: union, items: [aw], dont_know_as: excluded, refused: ["8"] }
  - { index: awareness, organization: union, level: village, items: [aw_v] }
  - { index: participation, organization: union, items: [pa] }
  - { index: approval, organization: union, items: [ap1, ap2], refused: ["8"] }
  - { index: satisfaction, organization: union, items: [sat], refused: ["8"] }
personal_data: [{ column: phone, action: hmac }]
`;

const codebook = (sat: string) => `survey:
  - { type: text, name: rid, label: { zh: 编号, en: ID }, required: yes }
  - { type: select_one town, name: town, label: { zh: 镇, en: Town }, required: yes }
  - { type: text, name: village, label: { zh: 村, en: Village }, required: yes }
  - { type: select_one yn, name: aw, label: { zh: 知道吗, en: Aware? } }
  - { type: select_one yn, name: aw_v, label: { zh: 村里知道吗, en: Aware (village)? } }
  - { type: select_one yn, name: pa, label: { zh: 参加过吗, en: Took part? } }
  - { type: select_one scale, name: ap1, label: { zh: 评价一, en: Approval 1 } }
  - { type: select_one scale, name: ap2, label: { zh: 评价二, en: Approval 2 } }
  - { type: select_one scale, name: ${sat}, label: { zh: 满意吗, en: Satisfied? } }
  - { type: text, name: phone, label: { zh: 联系电话, en: Phone }, personal: yes }
choices:
  town: [{ name: T1, label: { zh: 一镇, en: Town 1 } }, { name: T2, label: { zh: 二镇, en: Town 2 } }]
  yn:
    - { name: "1", label: { zh: 是, en: "Yes" } }
    - { name: "2", label: { zh: 否, en: "No" } }
    - { name: "8", label: { zh: 拒答, en: Refused } }
    - { name: "9", label: { zh: 不知道, en: Don't know } }
  scale:
    - { name: "1", label: { zh: 很差, en: Very poor } }
    - { name: "2", label: { zh: 差, en: Poor } }
    - { name: "3", label: { zh: 一般, en: Fair } }
    - { name: "4", label: { zh: 好, en: Good } }
    - { name: "5", label: { zh: 很好, en: Very good } }
    - { name: "8", label: { zh: 拒答, en: Refused } }
    - { name: "9", label: { zh: 不知道, en: Don't know } }
`;

/** Answers cycling through every code and blanks, differently per item. */
function responses(wave: string, sat: string): string {
  const yn = ["1", "2", "8", "9", ""];
  const scale = ["1", "2", "3", "4", "5", "8", "9", ""];
  const villages = [
    ["T1", "V1"],
    ["T1", "V2"],
    ["T2", "V3"],
    ["T2", "V4"],
  ];
  const rows = [`rid,town,village,aw,aw_v,pa,ap1,ap2,${sat},phone`];
  for (let i = 0; i < 120; i++) {
    const [town, village] = villages[i % 4]!;
    rows.push(
      [
        `${wave}-${i}`,
        town,
        village,
        yn[i % 5],
        "",
        yn[(i * 3 + 1) % 5],
        scale[i % 8],
        scale[(i * 5 + 3) % 8],
        scale[(i * 7 + 2) % 8],
        `139${String(i).padStart(8, "0")}`,
      ].join(","),
    );
  }
  return `${rows.join("\n")}\n`;
}

/** The rules in long form over stg_answers (as the model computed them before it went wide). */
const REFERENCE = `
with item_scores as (
    select
        a.wave_id, a.respondent_id, i.index_id, i.organization_id, i.level, i.item_key,
        case
            when a.is_refused then null
            when i.index_id in ('awareness', 'participation') then
                case
                    when list_contains(i.yes_codes, a.answer) then 100.0
                    when a.is_dont_know and i.dont_know_as = 'excluded' then null
                    else 0.0
                end
            when a.is_dont_know then null
            else (try_cast(a.answer as double) - i.scale_min) / (i.scale_max - i.scale_min) * 100
        end as score_0_100,
        case
            when i.index_id = 'satisfaction' and not a.is_dont_know and not a.is_refused then
                case when list_contains(i.satisfied_codes, try_cast(a.answer as double)) then 100.0 else 0.0 end
        end as satisfied_0_100
    from stg_answers__scoring as a
    join seed_index_items__scoring as i on i.wave_id = a.wave_id and i.item = a.item
    -- the rows of the four indices themselves (the seed also lists the figures derived from
    -- them, approval_aspect and satisfaction_pct, which this reference derives on its own)
    where i.index_id in ('awareness', 'participation', 'approval', 'satisfaction')
)
select
    *,
    index_id || '__' || organization_id || '__' || level || if(aspect = '', '', '__' || aspect) as score_key,
    if(index_id in ('awareness', 'participation', 'satisfaction_pct'), 'proportion', 'mean') as estimator
from (
    select wave_id, respondent_id, index_id, organization_id, level, '' as aspect, avg(score_0_100) as score_0_100
    from item_scores group by all
    union all by name
    select wave_id, respondent_id, 'approval_aspect' as index_id, organization_id, level, item_key as aspect, score_0_100
    from item_scores where index_id = 'approval'
    union all by name
    select wave_id, respondent_id, 'satisfaction_pct' as index_id, organization_id, level, '' as aspect, avg(satisfied_0_100) as score_0_100
    from item_scores where index_id = 'satisfaction' group by all
)
where score_0_100 is not null`;

const ORDER = "order by wave_id, respondent_id, score_key";
let db: Database;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "barometer-scores-"));
  const files: Record<string, string> = {
    "study.yaml": STUDY,
    "v1.yaml": codebook("sat_old"),
    "v2.yaml": codebook("sat"),
    "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,300\nT2,V4,400\n",
    "wave-2024.csv": responses("2024", "sat_old"),
    "wave-2025.csv": responses("2025", "sat"),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const study = await loadStudy(dir);
  db = await openDatabase(join(dir, "scores.duckdb"));
  for (const wave of ["2024", "2025"]) {
    const result = await ingestFile(db, {
      study,
      waveId: wave,
      path: join(dir, `wave-${wave}.csv`),
      user: "test",
      hmacKey: Buffer.from("k"),
    });
    expect(result.status, JSON.stringify(result.refusal)).toBe("loaded");
  }
  await runModels(db, study);
}, 120_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("scores computed wide from the index definitions", () => {
  it("int_index_scores holds exactly the scores of the rules in long form", async () => {
    const scores = await db.query(`select * from int_index_scores__scoring ${ORDER}`);
    const reference = await db.query(`select * from (${REFERENCE}) ${ORDER}`);
    expect(reference.length).toBeGreaterThan(1000);
    expect(scores).toEqual(reference);
    const kinds = new Set(scores.map((s) => `${s.index_id} ${s.wave_id}`));
    for (const kind of ["satisfaction", "satisfaction_pct", "approval", "approval_aspect", "awareness"])
      for (const wave of ["2024", "2025"]) expect(kinds).toContain(`${kind} ${wave}`);
  });

  it("int_scores_wide has one column per score someone has, in score_key order, one row per response", async () => {
    const columns = (
      await db.query<{ column_name: string }>("select column_name from (describe int_scores_wide__scoring)")
    ).map((c) => c.column_name);
    const keys = (
      await db.query<{ score_key: string }>(`select distinct score_key from (${REFERENCE}) order by 1`)
    ).map((k) => k.score_key);
    expect(keys).not.toContain("awareness__union__village");
    expect(columns.slice(-keys.length)).toEqual(keys);
    expect(columns).not.toContain("awareness__union__village");
    const [{ n }] = (await db.query<{ n: number }>(
      "select count(*)::int as n from int_scores_wide__scoring",
    )) as [{ n: number }];
    expect(n).toBe(240);
  });

  it("a township with 2 villages: its figures say their interval rests on 1 df (interval_note two_psus)", async () => {
    // both towns here have 2 villages (frame.csv): t on 2 − 1 = 1 df for every township
    // figure, rates, means and composites alike (reporting.intervals nominal); the district has
    // 4 villages in 2 towns, 2 df, and no note
    const rows = await db.query<{ unit_level: string; interval_note: string; df: number; n: number }>(
      `select unit_level, interval_note, df, count(*)::int as n from index_estimates__scoring
       where group_var = '' group by all order by all`,
    );
    expect(rows).toEqual([
      { unit_level: "district", interval_note: "", df: 2, n: expect.any(Number) },
      { unit_level: "township", interval_note: "two_psus", df: 1, n: expect.any(Number) },
    ]);
    const [scores] = await db.query<{ n: number }>(
      `select count(*)::int as n from index_scores__scoring
       where unit_level = 'township' and interval_note <> 'two_psus'`,
    );
    expect(scores!.n).toBe(0);
  });

  it("a change between two figures without sampling error is exact: 0 within rounding is no change, else significant", async () => {
    // participation here is the same in every response of both waves (SE 0): the two estimates
    // differ only in the last bits of DuckDB's parallel sums, which must not decide the verdict
    const rows = await db.query<{
      change_0_100: number;
      change_ci_low_0_100: number;
      change_ci_high_0_100: number;
      change_p_value: number;
      is_change_significant: boolean;
    }>(
      `select change_0_100, change_ci_low_0_100, change_ci_high_0_100, change_p_value, is_change_significant
       from index_scores__scoring
       where change_se_0_100 = 0 and abs(change_0_100) < 1e-6`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(r).toEqual({
        change_0_100: 0,
        change_ci_low_0_100: 0,
        change_ci_high_0_100: 0,
        change_p_value: 1,
        is_change_significant: false,
      });
  });
});
