import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { ingestSiteAssessments } from "../../ingest/ingestSiteAssessments.ts";
import { buildSiteMarts, buildSiteMartsIn } from "../../models/sites/buildSiteMarts.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";

// Uploads of assessment forms (barometer sites ingest) on the demo, in a real DuckDB file:
// each file is checked against the demo's XLSForm (assessments/form.xlsx), its good rows land
// and the site marts are rebuilt with them. Expected figures are hand calculations: a site
// whose every sub-item is 5 has a total of 100 from each assessor and 100 on every have.
const dir = "examples/demonstration-sites";
const study = loadSiteStudy(dir);
const work = mkdtempSync(join(tmpdir(), "barometer-site-uploads-"));
let db: Database;
const ingest = (file: string, options: { period?: string } = {}) =>
  ingestSiteAssessments(db, study, file, {
    ...options,
    onLanded: (session) => buildSiteMartsIn(session, study),
  });

// The demo's 2020H2 forms, as the next half-year's (2021H1): the same sites and assessors.
const csv = readFileSync(join(dir, "assessments/assessments.csv"), "utf8");
const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
const header = parsed.meta.fields as string[];
const nextHalf = (period: string): Record<string, string>[] =>
  parsed.data
    .filter((r) => r.period === "2020H2")
    .map((r) => ({
      ...r,
      period,
      assessed_on: `${period.slice(0, 4)}-${period.endsWith("H1") ? "06" : "12"}-${r.assessed_on?.slice(8)}`,
    }));
const toCsv = (rows: Record<string, string | undefined>[]) => Papa.unparse(rows, { columns: header });
const items = study.config.haves.flatMap((h) => h.items);
const scoresTable = "site_scores__demonstration_sites";
const snapshot = async () =>
  db.query(`select * from ${scoresTable} order by site_id, period`).then((rows) => JSON.stringify(rows));

beforeAll(async () => {
  db = await openDatabase(join(work, "sites.duckdb"));
  await buildSiteMarts(db, study);
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("assessment uploads against the XLSForm", () => {
  it("a file whose rows are all bad is refused and nothing changes", async () => {
    const before = await snapshot();
    const rows = nextHalf("2021H1")
      .slice(0, 3)
      .map((r) => ({ ...r, staff_1: "6" }));
    const file = join(work, "all-bad.csv");
    writeFileSync(file, toCsv(rows));
    const refusal = await ingest(file).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(IngestRefusal);
    expect((refusal as IngestRefusal).code).toBe("sites.upload.all_bad");
    expect((refusal as IngestRefusal).texts.zh).toContain(
      "第 2 行 staff_1 = 6：每个子项得分应在 0 到 5 分之间",
    );
    expect(await snapshot()).toBe(before);
    const landed = await db.query(
      "select 1 from duckdb_tables() where table_name like 'site_assessment_uploads%'",
    );
    expect(landed).toEqual([]);
  });

  it("a GBK file: bad score, unknown site, other half-year rejected with row, column, value; good rows land", async () => {
    const rows = nextHalf("2021H1");
    rows[0] = { ...rows[0], projects_1: "7" } as (typeof rows)[number]; // row 2: above the form's 0–5
    rows[1] = { ...rows[1], site_id: "S99" } as (typeof rows)[number]; // row 3: not in the register
    rows[2] = { ...rows[2], period: "2021H2" } as (typeof rows)[number]; // row 4: not this upload's half-year
    rows[3] = { ...rows[3], projects_done: "99" } as (typeof rows)[number]; // row 5: more done than planned
    const file = join(work, "2021H1-gbk.csv");
    writeFileSync(file, iconv.encode(toCsv(rows), "gbk"));
    const result = await ingest(file, { period: "2021H1" });
    expect(result.n_rows).toBe(58);
    expect(result.n_rejected).toBe(4);
    expect(result.n_landed).toBe(54);
    expect(result.periods).toEqual(["2021H1"]);
    expect(result.rejects.map((r) => [r.row, r.column, r.value])).toEqual([
      [2, "projects_1", "7"],
      [3, "site_id", "S99"],
      [4, "period", "2021H2"],
      [5, "projects_done", "99"],
    ]);
    expect(result.rejects[0]?.zh).toBe("第 2 行 projects_1 = 7：每个子项得分应在 0 到 5 分之间");
    expect(result.rejects[0]?.en).toBe("row 2, projects_1 = 7: each sub-item is scored from 0 to 5");
    expect(result.rejects[1]?.zh).toBe("第 3 行 site_id = S99：示范点名册中没有此示范点");
    expect(result.rejects[3]?.zh).toContain("已完成项目数应在 0 到计划项目数之间");
    // the new half-year is in the marts, from the landed rows (evidence read from GBK intact)
    const ratings = await db.query<{ n: number }>(
      "select count(*)::integer as n from site_ratings__demonstration_sites where period = '2021H1'",
    );
    expect(ratings[0]?.n).toBe(54);
    const scores = await db.query<{ n: number }>(
      `select count(*)::integer as n from ${scoresTable} where period = '2021H1' and combined_0_100 is not null`,
    );
    expect(scores[0]?.n).toBeGreaterThanOrEqual(27);
    const evidence = await db.query<{ answers_json: string }>(
      "select answers_json from site_assessment_uploads__demonstration_sites limit 1",
    );
    expect(JSON.parse(evidence[0]?.answers_json as string).evidence).toBe("台账齐全，项目清单按月更新");
  }, 300_000);

  it("a re-upload replaces the same site, half-year and assessor; the site's scores change as computed by hand", async () => {
    const before = await db.query<{ site_id: string; period: string; combined_0_100: number }>(
      `select site_id, period, combined_0_100 from ${scoresTable} where period < '2021H1' order by all`,
    );
    const rows = nextHalf("2021H1")
      .filter((r) => r.site_id === "S05")
      .map((r) => ({ ...r, ...Object.fromEntries(items.map((it) => [it, "5"])) }));
    expect(rows).toHaveLength(2);
    const file = join(work, "S05-2021H1.csv");
    writeFileSync(file, toCsv(rows));
    const result = await ingest(file);
    expect([result.n_landed, result.n_replaced, result.n_rejected]).toEqual([2, 2, 0]);
    const ratings = await db.query<{ total_0_100: number }>(
      "select total_0_100 from site_ratings__demonstration_sites where site_id = 'S05' and period = '2021H1'",
    );
    expect(ratings.map((r) => r.total_0_100)).toEqual([100, 100]);
    const haves = await db.query<{ mean_0_100: number }>(
      "select mean_0_100 from site_have_scores__demonstration_sites where site_id = 'S05' and period = '2021H1'",
    );
    expect(haves.map((h) => h.mean_0_100)).toEqual(study.config.haves.map(() => 100));
    const landed = await db.query<{ n: number }>(
      "select count(*)::integer as n from site_assessment_uploads__demonstration_sites",
    );
    expect(landed[0]?.n).toBe(54);
    // earlier half-years are what the folder's forms give, untouched by the uploads
    const after = await db.query<{ site_id: string; period: string; combined_0_100: number }>(
      `select site_id, period, combined_0_100 from ${scoresTable} where period < '2021H1' order by all`,
    );
    expect(after).toEqual(before);
  }, 300_000);

  it("an .xlsx of forms lands as the CSV does", async () => {
    const rows = nextHalf("2021H2").filter((r) => ["S03", "S04"].includes(r.site_id as string));
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("forms");
    sheet.addRow(header);
    for (const r of rows) {
      sheet.addRow(
        header.map((h) => {
          const v = r[h] as string;
          if (h === "assessed_on") return new Date(`${v}T00:00:00Z`);
          return /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
        }),
      );
    }
    sheet.getColumn(header.indexOf("assessed_on") + 1).numFmt = "yyyy-mm-dd";
    const file = join(work, "2021H2.xlsx");
    await wb.xlsx.writeFile(file);
    const result = await ingest(file, { period: "2021H2" });
    expect(result.rejects).toEqual([]);
    expect(result.n_landed).toBe(4);
    const ratings = await db.query<{ site_id: string; assessed_on: string }>(
      "select site_id, assessed_on from site_ratings__demonstration_sites where period = '2021H2' order by all",
    );
    expect(ratings.map((r) => r.site_id)).toEqual(["S03", "S03", "S04", "S04"]);
    expect(ratings.map((r) => r.assessed_on).sort()).toEqual(rows.map((r) => r.assessed_on).sort());
  }, 300_000);
});
