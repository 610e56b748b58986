import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses, rawTableName } from "../../ingest/index.ts";
import { createRelease, forgetComputed, readRelease, runModels } from "../../models/index.ts";
import { wavesEstimated } from "../../models/intermediate/indexEstimateSets.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { readYamlCodebook } from "../../study/readYamlCodebook.ts";

// The second example study (issue 14), end to end: its four quarterly files (UTF-8 codes, a
// 问卷星 GBK label export, xlsx, UTF-8 with BOM) load, its declared indicators are modelled
// with no code written for them, and its figures are held to (1) the generator's truth (the
// population's own figure, computed over every worker: examples/needs-survey/truth/truth.csv)
// and (2) R's survey package (test/fixtures/needs-survey/make-fixtures.R and its output).

const DIR = resolve(import.meta.dirname, "../../examples/needs-survey");
let db: Database;
let study: Study;

interface Figure {
  wave_id: string;
  index_id: string;
  aspect: string;
  unit_level: string;
  unit_code: string;
  estimate_0_100: number;
  se_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  n: number;
}

function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const columns = head!.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i]!, v])));
}

beforeAll(async () => {
  study = await loadStudy(DIR);
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-needs-")), "needs.duckdb"));
  const results = await ingestStudyResponses(db, study, { user: "t", hmacKey: Buffer.from("k") });
  expect(results.map((r) => [r.format, r.accepted, r.rejected])).toEqual([
    ["csv", 384, 0],
    ["csv", 384, 0],
    ["xlsx", 384, 0],
    ["csv", 384, 0],
  ]);
  await runModels(db, study);
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

const figures = () =>
  db.query<Figure>(
    `select wave_id, index_id, aspect, unit_level, unit_code, estimate_0_100, se_0_100, ci_low_0_100, ci_high_0_100, n::int as n
     from index_estimates__needs_survey where group_var = '' and unit_level in ('district', 'township')`,
  );
const keyOf = (f: {
  wave_id: string;
  index_id: string;
  aspect: string;
  unit_level: string;
  unit_code: string;
}) => [f.wave_id, f.index_id, f.aspect, f.unit_level, f.unit_code].join("|");

describe("the needs survey example", () => {
  it("has every district figure within 4 SE of the population truth, township intervals cover it", async () => {
    const truth = new Map(
      readCsv(join(DIR, "truth/truth.csv")).map((t) => [keyOf(t as never), Number(t.value_0_100)]),
    );
    const all = await figures();
    const district = all.filter((f) => f.unit_level === "district");
    // 4 quarters x (benefit, satisfied, satisfaction, 6 needs and "none of these", composite)
    expect(district).toHaveLength(4 * 11);
    for (const f of district) {
      const t = truth.get(keyOf(f));
      expect(t, keyOf(f)).toBeDefined();
      expect(Math.abs(f.estimate_0_100 - t!) / f.se_0_100, keyOf(f)).toBeLessThan(4);
    }
    // a township has 4 sampled enterprises, so its SE has 3 degrees of freedom and |z| > 4 is
    // not rare (2.8% under t(3)): the township check is the 95% intervals' coverage instead
    const townships = all.filter((f) => f.unit_level === "township" && f.ci_low_0_100 !== null);
    expect(townships.length).toBeGreaterThan(250);
    const covered = townships.filter((f) => {
      const t = truth.get(keyOf(f))!;
      return f.ci_low_0_100! <= t + 1e-9 && t - 1e-9 <= f.ci_high_0_100!;
    });
    expect(covered.length / townships.length).toBeGreaterThanOrEqual(0.85);
  });

  it("matches R survey on the first quarter: shares, a domain (beneficiaries only), an option, townships", async () => {
    const r = readCsv(join(import.meta.dirname, "../fixtures/needs-survey/r-figures.csv"));
    const all = await figures();
    for (const x of r) {
      const f = all.find(
        (a) =>
          a.wave_id === "2025Q1" &&
          a.index_id === x.index_id &&
          a.aspect === x.aspect &&
          a.unit_code === x.unit_code &&
          a.unit_level === (x.unit_code ? "township" : "district"),
      );
      expect(f, JSON.stringify(x)).toBeDefined();
      expect(f!.estimate_0_100).toBeCloseTo(Number(x.estimate_0_100), 9);
      expect(Math.abs(f!.se_0_100 - Number(x.se_0_100)) / Number(x.se_0_100), JSON.stringify(x)).toBeLessThan(
        1e-8,
      );
    }
  });

  it("reads its codebook from an XLSForm (group, note, constraint messages, a cascade) that its YAML twin matches", () => {
    const form = study.codebookForWave("2025Q1");
    expect(form.file).toBe("codebook.xlsx");
    const twin = readYamlCodebook(join(DIR, "codebook/codebook.yaml"), "v1");
    const strip = (items: typeof form.items) => items.map(({ source: _, ...rest }) => rest);
    expect(strip(form.items)).toEqual(strip(twin.items));
    // a sheet's filter column has a cell in every row (empty outside the enterprise list)
    const choices = (cb: typeof form) =>
      [...cb.choices].map(([list, cs]) => [
        list,
        cs.map((c) => ({
          ...c,
          filters: Object.fromEntries(Object.entries(c.filters).filter(([, v]) => v)),
        })),
      ]);
    expect(choices(form)).toEqual(choices(twin));
    expect(form.settings).toEqual({ formId: "needs_survey", version: "v1" });
    expect(form.ignored.map((i) => [i.name, i.type])).toEqual([["services_intro", "note"]]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: XLSForm reference
    expect(form.item("enterprise_code")?.choiceFilter?.text).toBe("township = ${township_code}");
    expect(form.item("needs")?.constraintMessage).toEqual({
      zh: "“以上都不需要”不能与其他服务同时选择",
      en: '"None of these" cannot be chosen with a service',
    });
    // each enterprise of the cascade belongs to its township in the frame too
    const frame = readCsv(join(DIR, "frame/enterprises.csv"));
    expect(form.choices.get("enterprise")!.map((c) => [c.name, c.filters.township])).toEqual(
      frame.map((f) => [f.enterprise_code, f.township_code]),
    );
  });

  it("reads Q3's Excel date cells as the dates they show", async () => {
    // the file's own cells, read by ExcelJS: real date cells (a serial with a date format)
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(DIR, "responses/wave-2025Q3.xlsx"));
    const sheet = book.worksheets[0]!;
    expect(sheet.getCell("B1").value).toBe("interview_date");
    const inFile = new Map<string, string>();
    sheet.eachRow((row, i) => {
      if (i === 1) return;
      const cell = row.getCell(2);
      expect(cell.type).toBe(ExcelJS.ValueType.Date);
      expect(cell.numFmt).toBe("yyyy-mm-dd");
      inFile.set(String(row.getCell(1).value), (cell.value as Date).toISOString().slice(0, 10));
    });
    expect(inFile.size).toBe(384);
    const landed = await db.query<{ id: string; date: string }>(
      `select respondent_id as id, interview_date as date
       from stg_responses__needs_survey where wave_id = '2025Q3'`,
    );
    expect(landed).toHaveLength(384);
    for (const r of landed) expect(r.date, r.id).toBe(inFile.get(r.id));
    expect(landed.every((r) => r.date >= "2025-09-01" && r.date <= "2025-09-20")).toBe(true);
  });

  it("lands the select_multiple needs the same from each of its three export shapes", async () => {
    // Q1 codes in one cell (`2 3 5`), Q2 问卷星's labels joined by ┋, Q3 one 0/1 column per
    // option (`11(技能培训)`): each lands as the codes, space-separated in the list's order
    const labels = ["技能培训", "法律援助", "心理咨询", "子女托管", "医疗互助", "住房保障", "以上都不需要"];
    const expected = new Map<string, string>();
    for (const row of readCsv(join(DIR, "responses/wave-2025Q1.csv"))) expected.set(row.resp_id!, row.needs!);
    const q2 = iconv
      .decode(readFileSync(join(DIR, "responses/wave-2025Q2.csv")), "gbk")
      .trim()
      .split("\n");
    expect(q2[0]!.split(",")[10]).toBe("需要哪些工会服务");
    for (const line of q2.slice(1)) {
      const cells = line.split(",");
      const chosen = cells[10]!.split("┋").map((l) => String(labels.indexOf(l) + 1));
      expect(chosen, line).not.toContain("0");
      expected.set(cells[0]!, chosen.join(" "));
    }
    expect(q2.some((l) => l.includes("┋"))).toBe(true);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(DIR, "responses/wave-2025Q3.xlsx"));
    const sheet = book.worksheets[0]!;
    const headers = (sheet.getRow(1).values as string[]).slice(1);
    const options = labels.map((l) => headers.indexOf(`11(${l})`) + 1);
    expect(options).not.toContain(0);
    sheet.eachRow((row, i) => {
      if (i === 1) return;
      const chosen = options.flatMap((col, k) => (row.getCell(col).value === 1 ? [String(k + 1)] : []));
      expected.set(String(row.getCell(1).value), chosen.join(" "));
    });
    const landed = await db.query<{ id: string; needs: string }>(
      "select respondent_id as id, needs from stg_responses__needs_survey where wave_id in ('2025Q1', '2025Q2', '2025Q3')",
    );
    expect(landed).toHaveLength(3 * 384);
    for (const r of landed) expect(r.needs, r.id).toBe(expected.get(r.id));
    expect(new Set(landed.flatMap((r) => r.needs.split(" ")))).toEqual(
      new Set(["1", "2", "3", "4", "5", "6", "7"]),
    );
  });

  it("reports change between quarters and withholds figures resting on too few respondents", async () => {
    const [changes] = await db.query<{ n: number }>(
      "select count(*)::int as n from index_scores__needs_survey where wave_id = '2025Q2' and change_note = 'independent_samples'",
    );
    expect(changes!.n).toBeGreaterThan(0);
    const [withheld] = await db.query<{ n: number }>(
      "select count(*)::int as n from index_scores__needs_survey where is_withheld and withheld_reason = 'min_n'",
    );
    expect(withheld!.n).toBeGreaterThan(0);
  });

  it("shows its indicators by their declared names on the overview and in the figures API", async () => {
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    await createUser(db, "leader", "viewer", "a-long-test-password");
    const auth = { Authorization: `Bearer ${await createToken(db, "leader", "t")}` };
    const page = await request(app).get("/?study=needs_survey").set(auth);
    expect(page.status).toBe(200);
    for (const name of ["服务获得感指数", "受益率", "受益职工满意率", "受益职工满意度"])
      expect(page.text).toContain(name);
    const en = await request(app).get("/?study=needs_survey&lang=en&index=benefit_rate").set(auth);
    expect(en.text).toContain("Benefit rate");
    const api = await request(app)
      .get("/api/v1/studies/needs_survey/figures?wave=2025Q4&unit_level=district&index=needs")
      .set(auth);
    expect(api.status).toBe(200);
    // the methodology and the district chart speak of this study, not of the demo's
    const method = await request(app).get("/methodology?study=needs_survey").set(auth);
    expect(method.text).toContain("以企业为初级抽样单位");
    expect(method.text).toContain("方差估计按有放回抽取初级单位近似");
    expect(method.text).toMatch(/比率类指标（[^）]*受益率/);
    for (const word of ["知晓", "认可度", "村（社区）", "raking"])
      expect(
        method.text.replace(/<[^>]+>/g, " ").match(new RegExp(`.{0,60}${word}.{0,60}`, "g")) ?? [],
      ).toEqual([]);
    const chart = await request(app).get("/api/v1/charts/district?study=needs_survey").set(auth);
    expect(JSON.stringify(chart.body)).toContain("全区受益率");
    expect(JSON.stringify(chart.body)).toContain("受益率（%）");
    // one figure per option of the select_multiple's choice list
    expect(api.body.rows.map((r: { aspect: string }) => r.aspect).sort()).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
    ]);
  });

  it("releases a quarter with its indicators' declared names beside their ids", async () => {
    const release = await createRelease(db, study, "2025Q4", "t");
    const { file } = await readRelease(db, release.release_id);
    const at = (c: string) => file.columns.indexOf(c);
    const benefit = file.rows.find(
      (r) => r[at("index_id")] === "benefit_rate" && r[at("unit_level")] === "district",
    );
    expect(benefit?.[at("index_name_zh")]).toBe("受益率");
    expect(benefit?.[at("index_name_en")]).toBe("Benefit rate");
  });

  // last: it takes respondents out of the database
  it("after one quarter changes, estimates only that quarter, with the figures a run from nothing gives", async () => {
    const all = () =>
      db.query<Record<string, unknown>>("select * from index_estimates__needs_survey order by all");
    await db.run(
      `delete from "${rawTableName(study.id)}" where wave_id = '2025Q3' and respondent_id in (
         select respondent_id from "${rawTableName(study.id)}" where wave_id = '2025Q3'
         qualify row_number() over (order by respondent_id) % 10 = 0)`,
    );
    const before = wavesEstimated();
    await runModels(db, study);
    expect(wavesEstimated() - before).toBe(1);
    const kept = await all();
    forgetComputed();
    await runModels(db, study);
    expect(wavesEstimated() - before).toBe(5);
    const fresh = await all();
    expect(kept.length).toBe(fresh.length);
    expect(fresh.filter((f) => f.wave_id === "2025Q3").length).toBeGreaterThan(0);
    kept.forEach((row, i) => {
      for (const [column, value] of Object.entries(fresh[i]!)) {
        if (typeof value === "number")
          expect(Math.abs((row[column] as number) - value), `${i} ${column}`).toBeLessThan(1e-9);
        else expect(row[column], `${i} ${column}`).toEqual(value);
      }
    });
  }, 300_000);
});
