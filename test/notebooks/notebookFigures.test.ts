import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookColumns } from "../../messages/notebookColumns.ts";
import {
  DECIMALS,
  findNotebook,
  loadNotebook,
  NOTEBOOKS_DIR,
  renderBody,
  renderNotebook,
} from "../../notebooks/engine/index.ts";
import { type NotebookFixture, notebookFixture } from "./fixture.ts";

// The numbers each shipped notebook shows, read back from its rendered page (as the reader sees
// them: names, separators, rounding) and recomputed with plain SQL on the demo database's
// respondent-level tables (int_responses_calibrated, int_scores_wide, stg_*) or, for published
// figures, the marts they come from. A shown number must be within half a unit of its last
// shown digit of the recomputed one, and be written in its kind's one format.
let f: NotebookFixture;

beforeAll(async () => {
  f = await notebookFixture();
});
afterAll(async () => {
  await f?.close();
});

interface ShownTable {
  columns: string[];
  rows: string[][];
  /** The cell of `column` in the row whose cells include every one of `keys`. */
  cell(keys: string[], column: string): string;
  /** Whether a row with those cells is shown (a table shows its first 50 rows). */
  has(keys: string[]): boolean;
}

async function shownTables(
  name: string,
  params: Record<string, string> = {},
): Promise<Map<string, ShownTable>> {
  const notebook = await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!), {
    sandbox: f.sandbox,
    params,
  });
  const page = renderBody(notebook, "zh").value;
  const text = (cell: string) =>
    cell
      .replace(/<[^>]+>/g, "")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .trim();
  const tables = new Map<string, ShownTable>();
  for (const [, block, body] of page.matchAll(
    /<section class="nb-result" data-block="(\w+)"[\s\S]*?>([\s\S]*?)<\/section>/g,
  )) {
    const columns = [...body!.matchAll(/<th[^>]*data-column="(\w+)"/g)].map((m) => m[1]!);
    const rows = [...body!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
      .slice(1)
      .map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1]!)));
    tables.set(block!, {
      columns,
      rows,
      has: (keys) => rows.some((r) => keys.every((k) => r.includes(k))),
      cell(keys, column) {
        const found = rows.filter((r) => keys.every((k) => r.includes(k)));
        if (found.length !== 1) throw new Error(`${block}: ${found.length} rows with ${keys.join(", ")}`);
        return found[0]![columns.indexOf(column)]!;
      },
    });
  }
  return tables;
}

const FORMAT: Record<string, RegExp> = {
  count: /^-?\d{1,3}(,\d{3})*$/,
  estimate: /^-?\d{1,3}(,\d{3})*\.\d$/,
  p_value: /^(<0\.001|[01]\.\d{3})$/,
  deff: /^-?\d{1,3}(,\d{3})*\.\d\d$/,
};

/** The shown number is in its kind's format and within half a unit of its last digit of `expected`. */
function expectShown(shown: string, expected: number, column: string): void {
  const kind = notebookColumns[column]!.kind as keyof typeof DECIMALS;
  expect(shown, `${column}: ${shown}`).toMatch(FORMAT[kind]!);
  if (shown === "<0.001") {
    expect(expected).toBeLessThan(0.001);
    return;
  }
  const value = Number(shown.replaceAll(",", ""));
  expect(Math.abs(value - expected), `${column}: shown ${shown}, recomputed ${expected}`).toBeLessThanOrEqual(
    0.5 * 10 ** -DECIMALS[kind] + 1e-9,
  );
}

describe("weighting: the shown figures against plain SQL", () => {
  it("weights per wave: n, smallest and largest weight, Kish's design effects and effective n", async () => {
    const table = (await shownTables("weighting")).get("diagnostics")!;
    const waves = await f.db.query<Record<string, number | string>>(
      `select w.title_zh, count(*)::integer as n, min(weight) as min_w, max(weight) as max_w,
              count(*) * sum(weight * weight) / (sum(weight) * sum(weight)) as deff_w,
              count(*) * sum(base_weight * base_weight) / (sum(base_weight) * sum(base_weight)) as deff_b,
              sum(weight) * sum(weight) / sum(weight * weight) as n_eff
       from int_responses_calibrated__mass_org_evaluation c join seed_waves__mass_org_evaluation w using (wave_id)
       group by w.title_zh order by 1`,
    );
    expect(table.rows.length).toBe(waves.length);
    for (const w of waves) {
      const at = (c: string) => table.cell([String(w.title_zh)], c);
      expectShown(at("n_respondents"), Number(w.n), "n_respondents");
      expectShown(at("min_weight"), Number(w.min_w), "min_weight");
      expectShown(at("max_weight"), Number(w.max_w), "max_weight");
      expectShown(at("deff_weight"), Number(w.deff_w), "deff_weight");
      expectShown(at("deff_base_weight"), Number(w.deff_b), "deff_base_weight");
      expectShown(at("n_eff_weight"), Number(w.n_eff), "n_eff_weight");
    }
  });

  it("design effects: one row per organization, indicator and organization level, none stacked (a township and a village figure never summed)", async () => {
    const table = (await shownTables("weighting", { wave: "2026" })).get("design_effects")!;
    const mart = await f.db.query<{
      org: string;
      ind: string;
      level: string;
      deff: number;
      n: number;
      n_eff: number;
    }>(
      `select o.name_zh as org, i.name_zh as ind, case s.org_level when 'township' then '镇街级' else '村（社区）级' end as level,
              s.deff, s.n, s.n_eff
       from index_scores__mass_org_evaluation s
       join seed_organizations__mass_org_evaluation o using (organization_id)
       join seed_indicators__mass_org_evaluation i using (index_id)
       where s.wave_id = '2026' and s.unit_level = 'district' and s.group_var = '' and s.aspect = ''
         and not s.is_withheld and s.deff is not null`,
    );
    const keys = table.rows.map((r) => r.slice(0, 3).join("/"));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(mart.map((m) => `${m.org}/${m.ind}/${m.level}`).sort());
    // both levels are there for awareness, each its own figure
    expect(mart.filter((m) => m.ind === "知晓度" && m.org === "工会").length).toBe(2);
    for (const m of mart) {
      expectShown(table.cell([m.org, m.ind, m.level], "deff"), m.deff, "deff");
      expectShown(table.cell([m.org, m.ind, m.level], "n"), m.n, "n");
      expectShown(table.cell([m.org, m.ind, m.level], "n_eff"), m.n_eff, "n_eff");
    }
  });

  it("margins: each cell's share of its margin at each stage, from the calibration mart", async () => {
    const table = (await shownTables("weighting", { wave: "2026" })).get("margins")!;
    const cells = await f.db.query<{ margin: string; cell: string; stage: string; share: number }>(
      `with m as (
         select margin, cell,
           100 * n_respondents / sum(n_respondents) over (partition by margin) as "样本（未加权）",
           100 * base_weighted / sum(base_weighted) over (partition by margin) as "基础权数加权",
           100 * calibrated / sum(calibrated) over (partition by margin) as "校准权数加权",
           100 * population / sum(population) over (partition by margin) as "人口"
         from calibration_margins__mass_org_evaluation where wave_id = '2026' and margin <> 'township_code'
       )
       unpivot m on "样本（未加权）", "基础权数加权", "校准权数加权", "人口" into name stage value share`,
    );
    // the codebook's labels of the demo's margin cells (examples/mass-org-evaluation/generator/codebook.ts)
    const SEX: Record<string, string> = { "1": "男", "2": "女" };
    const AGE: Record<string, string> = {
      "1": "16–29 岁",
      "2": "30–44 岁",
      "3": "45–59 岁",
      "4": "60 岁及以上",
    };
    const label = (margin: string, cell: string): [string, string] =>
      margin === "urban_rural"
        ? ["城乡", cell === "1" ? "城镇" : "乡村"]
        : ["性别 × 年龄组", `${SEX[cell.split(" x ")[0]!]} × ${AGE[cell.split(" x ")[1]!]}`];
    expect(table.rows.length).toBe(cells.length);
    for (const c of cells)
      expectShown(table.cell([...label(c.margin, c.cell), c.stage], "share_pct"), c.share, "share_pct");
  });
});

describe("participation: the shown figures against plain SQL", () => {
  const ORGS = { union: "工会", youth_league: "共青团", womens_federation: "妇联" } as const;

  it("by sex: the weighted share taking part (Σw·y / Σw over the calibrated weights) and n", async () => {
    const table = (await shownTables("participation", { wave: "2026" })).get("by_group")!;
    for (const [org, name] of Object.entries(ORGS)) {
      const rows = await f.db.query<{ sex: string; p: number; n: number }>(
        `select s.sex::varchar as sex, 100 * sum(c.weight * y) / sum(c.weight) as p, count(*)::integer as n
         from (select wave_id, respondent_id, sex, participation__${org}__township / 100 as y from int_scores_wide__mass_org_evaluation) s
         join int_responses_calibrated__mass_org_evaluation c using (wave_id, respondent_id)
         where s.wave_id = '2026' and y is not null group by all`,
      );
      expect(rows.length).toBe(2);
      for (const r of rows) {
        const label = r.sex === "1" ? "男" : "女";
        expectShown(table.cell([name, "性别", label], "participation_pct"), r.p, "participation_pct");
        expectShown(table.cell([name, "性别", label], "n"), r.n, "n");
      }
    }
  });

  it("by occupation: every organization and occupation's weighted share and n", async () => {
    const table = (await shownTables("participation", { wave: "2026" })).get("by_occupation")!;
    const OCCUPATIONS: Record<string, string> = {
      "1": "务农",
      "2": "企业职工",
      "3": "机关事业单位",
      "4": "个体/自由职业",
      "5": "学生",
      "6": "离退休",
      "7": "其他",
    };
    let checked = 0;
    for (const [org, name] of Object.entries(ORGS)) {
      const rows = await f.db.query<{ occupation: string; p: number; n: number }>(
        `select s.occupation::varchar as occupation, 100 * sum(c.weight * y) / sum(c.weight) as p, count(*)::integer as n
         from (select wave_id, respondent_id, occupation, participation__${org}__township / 100 as y from int_scores_wide__mass_org_evaluation) s
         join int_responses_calibrated__mass_org_evaluation c using (wave_id, respondent_id)
         where s.wave_id = '2026' and y is not null group by all`,
      );
      for (const r of rows) {
        const label = OCCUPATIONS[r.occupation]!;
        expectShown(table.cell([name, label], "n"), r.n, "n");
        const shown = table.cell([name, label], "estimate");
        if (shown !== "—") expectShown(shown, r.p, "estimate");
        checked++;
      }
    }
    expect(checked).toBe(table.rows.length);
  });
});

describe("township-changes: the shown figures against plain SQL", () => {
  it("each township's score and its change: this wave's figure less the previous wave's, as published", async () => {
    const table = (await shownTables("township-changes", { wave: "2026", index: "composite" })).get(
      "changes",
    )!;
    const rows = await f.db.query<{ org: string; town: string; est: number; change: number; p: number }>(
      `select o.name_zh as org, u.name_zh as town, now.estimate_0_100 as est,
              now.estimate_0_100 - before.estimate_0_100 as change, now.change_p_value as p
       from index_scores__mass_org_evaluation now
       join index_scores__mass_org_evaluation before
         on before.wave_id = '2025' and before.index_id = now.index_id and before.unit_level = now.unit_level
        and before.unit_code = now.unit_code and before.organization_id = now.organization_id
        and before.org_level = now.org_level and before.group_var = now.group_var and before.aspect = now.aspect
       join seed_organizations__mass_org_evaluation o on o.organization_id = now.organization_id
       join seed_units__mass_org_evaluation u on u.unit_level = 'township' and u.unit_code = now.unit_code
       where now.wave_id = '2026' and now.index_id = 'composite' and now.unit_level = 'township'
         and now.org_level in ('township', '') and now.group_var = ''
         and now.estimate_0_100 is not null and before.estimate_0_100 is not null`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(table.rows.length).toBe(Math.min(50, rows.length));
    const shown = rows.filter((r) => table.has([r.org, r.town]));
    expect(shown.length).toBe(table.rows.length);
    for (const r of shown) {
      expectShown(table.cell([r.org, r.town], "estimate_0_100"), r.est, "estimate_0_100");
      // the change is rounded from the unrounded estimates: allow the two roundings of the mart
      const change = Number(table.cell([r.org, r.town], "change_0_100").replaceAll(",", ""));
      expect(Math.abs(change - r.change), `${r.org} ${r.town}`).toBeLessThanOrEqual(0.05 + 1e-6);
      expectShown(table.cell([r.org, r.town], "p_value"), r.p, "p_value");
    }
    const comparisons = (await shownTables("township-changes", { wave: "2026", index: "composite" })).get(
      "comparisons",
    )!;
    expectShown(comparisons.rows[0]![0]!, rows.length, "n_comparisons");
  });
});

describe("data-quality: the shown figures against plain SQL", () => {
  it("the latest upload: accepted rows counted in staging, its time in the study's time zone (Asia/Shanghai)", async () => {
    const tables = await shownTables("data-quality");
    const latest = tables.get("latest_upload")!;
    const [upload] = await f.db.query<{ upload_id: string; n: number; at: string }>(
      `select r.upload_id, count(*)::integer as n, any_value(strftime(timezone('Asia/Shanghai', u.uploaded_at), '%Y-%m-%d %H:%M')) as at
       from stg_responses__mass_org_evaluation r join upload_reports__mass_org_evaluation u using (upload_id)
       where u.status = 'loaded' group by r.upload_id order by any_value(u.uploaded_at) desc, r.upload_id desc limit 1`,
    );
    expect(latest.rows[0]![latest.columns.indexOf("upload_id")]).toBe(upload!.upload_id);
    expectShown(latest.cell([upload!.upload_id], "n_accepted"), upload!.n, "n_accepted");
    expect(latest.cell([upload!.upload_id], "uploaded_at")).toBe(upload!.at);

    const byItem = tables.get("dont_know_by_item")!;
    const items = await f.db.query<{ item_key: string; n: number; dk: number; pct: number }>(
      `select a.item_key, count(*)::integer as n, count(*) filter (where a.is_dont_know)::integer as dk,
              100.0 * count(*) filter (where a.is_dont_know) / count(*) as pct
       from stg_answers__mass_org_evaluation a join stg_responses__mass_org_evaluation r using (wave_id, respondent_id)
       where r.upload_id = $upload group by a.item_key`,
      { upload: upload!.upload_id },
    );
    expect(byItem.rows.length).toBe(items.length);
    for (const i of items) {
      expectShown(byItem.cell([i.item_key], "n_answers"), i.n, "n_answers");
      expectShown(byItem.cell([i.item_key], "n_dont_know"), i.dk, "n_dont_know");
      expectShown(byItem.cell([i.item_key], "dont_know_pct"), i.pct, "dont_know_pct");
    }
  });
});
