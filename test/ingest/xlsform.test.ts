// biome-ignore-all lint/suspicious/noTemplateCurlyInString: XLSForm expressions write ${item}
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { formatIngestReport, ingestFile, rawTableName } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { STUDY, writeStudy } from "../helpers/tinyStudy.ts";

// The full XLSForm a team writes: groups (a group's relevant, Kobo's group/item headers), a
// note, a calculate, cascading selects (choice_filter from the choices sheet), a settings
// sheet, constraint messages in two languages, a personal item marked in the codebook
// itself, and a select_multiple exported in each of the three shapes. Expected values are
// the answers written into the files here, by hand.

const KEY = Buffer.from("test-hmac-key");

async function writeCodebook(path: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const survey = wb.addWorksheet("survey");
  survey.addRow([
    "type",
    "name",
    "label::zh",
    "label::en",
    "required",
    "constraint",
    "constraint_message::zh",
    "constraint_message::en",
    "relevant",
    "choice_filter",
    "calculation",
    "barometer::personal",
  ]);
  const rows: string[][] = [
    ["text", "rid", "编号", "ID", "yes"],
    ["begin_group", "loc", "地点", "Place"],
    ["select_one town", "town", "镇", "Town", "yes"],
    ["select_one village", "village", "村", "Village", "yes", "", "", "", "", "town = ${town}"],
    ["select_one workplace", "workplace", "单位", "Workplace", "", "", "", "", "", "village=${village}"],
    ["end_group", "loc"],
    ["note", "intro", "以下问您的基本情况", "About you"],
    ["select_one sex", "sex", "性别", "Sex", "yes"],
    ["integer", "age", "年龄", "Age", "yes", ". >= 16 and . <= 100"],
    ["begin group", "union_grp", "工会", "Union", "", "", "", "", "${age} >= 18"],
    ["select_one yndk", "aw_union", "知道工会吗", "Know the union?", "yes"],
    ["end group"],
    ["select_one yndk", "league", "是否团员", "League member?", "", "", "", "", "${age} <= 35"],
    ["select_multiple needs", "needs", "需要的服务", "Services needed"],
    [
      "integer",
      "hours",
      "每周工时",
      "Weekly hours",
      "",
      ". <= 80",
      "每周工时不能超过 80 小时",
      "Weekly hours cannot exceed 80",
    ],
    ["calculate", "double_age", "", "", "", "", "", "", "", "", "${age} * 2"],
    ["text", "phone", "联系电话", "Phone"],
    ["text", "name", "姓名", "Name", "", "", "", "", "", "", "", "yes"],
  ];
  for (const r of rows) survey.addRow(r);
  const choices = wb.addWorksheet("choices");
  choices.addRow(["list_name", "name", "label::zh", "label::en", "town", "village"]);
  const choiceRows: string[][] = [
    ["town", "T1", "一镇", "Town 1"],
    ["town", "T2", "二镇", "Town 2"],
    ["village", "V1", "一村", "Village 1", "T1"],
    ["village", "V2", "二村", "Village 2", "T1"],
    ["village", "V3", "三村", "Village 3", "T2"],
    ["workplace", "W1", "甲厂", "Plant A", "", "V1"],
    ["workplace", "W2", "乙厂", "Plant B", "", "V2"],
    ["workplace", "W3", "丙厂", "Plant C", "", "V3"],
    ["sex", "1", "男", "Male"],
    ["sex", "2", "女", "Female"],
    ["yndk", "1", "是", "Yes"],
    ["yndk", "2", "否", "No"],
    ["yndk", "9", "不知道", "Don't know"],
    ["needs", "1", "技能培训", "Skills training"],
    ["needs", "2", "法律援助", "Legal aid"],
    ["needs", "3", "心理咨询", "Counselling"],
    ["needs", "4", "托育服务", "Childcare"],
  ];
  for (const r of choiceRows) choices.addRow(r);
  const settings = wb.addWorksheet("settings");
  settings.addRow(["form_title", "form_id", "version"]);
  settings.addRow(["职工需求调查", "needs_2024", "2024090101"]);
  await wb.xlsx.writeFile(path);
}

let studyDir: string;
let dir: string;
let db: Database;
let study: Study;

beforeAll(async () => {
  studyDir = writeStudy({
    "study.yaml": STUDY.replace("file: codebook.yaml", "file: codebook.xlsx").replace(
      "  - { column: name, action: drop }\n",
      "",
    ),
  });
  await writeCodebook(join(studyDir, "codebook.xlsx"));
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-xlsform-test-"));
  study = await loadStudy(studyDir);
  db = await openDatabase(join(dir, "test.duckdb"));
});
afterEach(async () => {
  await closeDatabase(db);
});

const ingest = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return ingestFile(db, { study, waveId: "2024", path, user: "tester", hmacKey: KEY });
};

describe("the XLSForm codebook", () => {
  it("reads settings, groups, notes, calculates, choice filters and personal items", () => {
    const codebook = study.codebookForWave("2024");
    expect(codebook.settings).toEqual({ formId: "needs_2024", version: "2024090101" });
    expect(codebook.ignored.map((i) => [i.type, i.name])).toEqual([
      ["note", "intro"],
      ["calculate", "double_age"],
    ]);
    expect(codebook.items.map((i) => i.name)).not.toContain("double_age");
    expect(codebook.item("aw_union")?.relevant?.text).toBe("${age} >= 18");
    expect(codebook.item("village")?.choiceFilter?.text).toBe("town = ${town}");
    expect(codebook.choices.get("village")?.[2]?.filters).toMatchObject({ town: "T2" });
    // name is marked personal in the codebook only; phone in study.yaml
    expect(study.personal_data).toEqual([
      { column: "phone", action: "hmac" },
      { column: "name", action: "drop" },
    ]);
  });

  it("refuses a choice filter it cannot check, naming the row", async () => {
    const bad = writeStudy({
      "codebook.yaml": `survey:
  - { type: text, name: rid, label: { zh: 编号 }, required: yes }
  - { type: select_one town, name: town, label: { zh: 镇 } }
  - { type: text, name: village, label: { zh: 村 } }
  - { type: select_one sex, name: sex, label: { zh: 性别 }, choice_filter: "region = \${town}" }
  - { type: integer, name: age, label: { zh: 年龄 } }
  - { type: select_one sex, name: aw_union, label: { zh: 知道 } }
  - { type: text, name: phone, label: { zh: 电话 } }
  - { type: text, name: name, label: { zh: 姓名 } }
choices:
  town: [{ name: T1 }, { name: T2 }]
  sex: [{ name: "1" }, { name: "2" }]
`,
    });
    await expect(loadStudy(bad)).rejects.toThrow(
      'codebook.yaml, survey item 4, column choice_filter of item sex: the choices sheet has no column "region" for list sex (it has: none)',
    );
  });
});

describe("ingest with the full XLSForm", () => {
  const HEADER =
    "rid,loc/town,loc/village,loc/workplace,sex,age,union_grp/aw_union,league,needs,hours,phone,name,FormVersion,double_age";

  it("checks cascading selects from the choices sheet, a group's relevant, and says constraints in words", async () => {
    const result = await ingest("kobo.csv", [
      HEADER,
      "k1,T1,V1,W1,1,30,1,2,1 3,40,13800000001,张三,2024090101,60",
      // 17: the union group is not relevant, so aw_union is not required
      "k2,T1,V2,W2,2,17,,1,2,20,,,2024090101,34",
      // W3 belongs to village V3, not V1: the frame cannot say so, the choices sheet does
      "k3,T1,V1,W3,1,40,1,,4,30,,,2024090101,80",
      // 45: the union group is relevant and aw_union is missing; 90 hours breaks the constraint
      "k4,T1,V2,W2,1,45,,,1,90,,,2024090101,90",
      // V3 is in town T2: the choices sheet and the frame both say so
      "k5,T1,V3,W3,1,50,1,,,,,,2024090101,100",
    ]);
    expect(result).toMatchObject({ status: "loaded", rows: 5, accepted: 2, rejected: 3, warnings: [] });
    // the collection tool's calculate, exported beside the answers: set aside, and said
    expect(result.mapping!.calculated).toEqual(["double_age"]);
    expect(formatIngestReport(result, "en")).toContain(
      "these columns are calculations (calculate) or notes in the codebook, not answers, and were not loaded: double_age",
    );
    const mapped = Object.fromEntries(result.mapping!.mapped.map((m) => [m.header, [m.item, m.by]]));
    expect(mapped["loc/town"]).toEqual(["town", "group_path"]);
    expect(mapped["union_grp/aw_union"]).toEqual(["aw_union", "group_path"]);
    const q = await db.query<{
      source_row: number;
      column_name: string;
      value: string | null;
      reason_code: string;
      reason_zh: string;
    }>(
      "select source_row, column_name, value, reason_code, reason_zh from quarantine order by source_row, reason_code",
    );
    expect(q).toEqual([
      {
        source_row: 4,
        column_name: "loc/workplace",
        value: "W3",
        reason_code: "reject.choice_filter",
        reason_zh: "该选项与“村”的回答不对应（按选项表 workplace 的 village 列）",
      },
      {
        source_row: 5,
        column_name: "hours",
        value: "90",
        reason_code: "reject.constraint",
        reason_zh: "每周工时不能超过 80 小时",
      },
      {
        source_row: 5,
        column_name: "union_grp/aw_union",
        value: null,
        reason_code: "reject.required",
        reason_zh: "必答题未回答",
      },
      {
        source_row: 6,
        column_name: "loc/village",
        value: "V3",
        reason_code: "reject.choice_filter",
        reason_zh: "该选项与“镇”的回答不对应（按选项表 village 的 town 列）",
      },
      {
        source_row: 6,
        column_name: "loc/village",
        value: "V3",
        reason_code: "reject.psu_not_in_stratum",
        reason_zh: "该村（社区）不属于所填镇（街道）",
      },
    ]);
    const en = result.errors.find((e) => e.reason === "reject.constraint")!.message.en;
    expect(en).toBe("Weekly hours cannot exceed 80");
    // the personal item marked in the codebook is dropped; phone is pseudonymised
    const columns = await db.query<{ column_name: string }>(
      "select column_name from duckdb_columns() where table_name = $1",
      [rawTableName("tiny")],
    );
    expect(columns.map((c) => c.column_name)).not.toContain("name");
  });

  it("lands a select_multiple the same way from its three export shapes", async () => {
    // 1. Kobo / XLSForm: one cell of space-separated codes
    const codes = await ingest("codes.csv", [HEADER, "a1,T1,V1,W1,1,30,1,2,3 1,40,,,2024090101,60"]);
    // 2. 问卷星 by option text: labels joined by ┋, headers as question labels
    const labels = await ingest("wjx-text.csv", [
      "编号,镇,村,性别,年龄,知道工会吗,是否团员,需要的服务",
      "b1,一镇,一村,男,30,是,否,技能培训┋心理咨询",
    ]);
    // 3a. 问卷星: one 0/1 column per option, headed "question number(option label)"
    const wjx = await ingest("wjx-columns.csv", [
      "编号,镇,村,性别,年龄,知道工会吗,是否团员,13(技能培训),13(法律援助),13(心理咨询),13(托育服务)",
      "c1,T1,V1,1,30,1,2,1,0,1,0",
    ]);
    // 3b. Kobo: one 0/1 column per option, headed "item/code", and a form version that differs
    const kobo = await ingest("kobo-columns.csv", [
      "rid,town,village,sex,age,aw_union,league,needs/1,needs/2,needs/3,needs/4,__version__",
      "d1,T1,V1,1,30,1,2,1,0,1,0,2023010101",
      "d2,T1,V1,1,30,1,2,1,2,0,0,2023010101",
    ]);
    for (const r of [codes, labels, wjx, kobo])
      expect(r, JSON.stringify(r.refusal)).toMatchObject({ status: "loaded" });
    expect([codes, labels, wjx].map((r) => r.rejected)).toEqual([0, 0, 0]);
    expect(wjx.mapping!.options).toEqual([
      {
        item: "needs",
        header: "13",
        columns: [
          { column: "c0008", header: "13(技能培训)", code: "1" },
          { column: "c0009", header: "13(法律援助)", code: "2" },
          { column: "c0010", header: "13(心理咨询)", code: "3" },
          { column: "c0011", header: "13(托育服务)", code: "4" },
        ],
      },
    ]);
    const raw = await db.query<{ respondent_id: string; needs: string }>(
      `select respondent_id, needs from ${rawTableName("tiny")} order by respondent_id`,
    );
    expect(raw).toEqual([
      { respondent_id: "a1", needs: "1 3" },
      { respondent_id: "b1", needs: "1 3" },
      { respondent_id: "c1", needs: "1 3" },
      { respondent_id: "d1", needs: "1 3" },
    ]);
    // a 2 in an option column is named, with its column
    expect(kobo.errors).toMatchObject([{ reason: "reject.not_option_flag", column: "needs/2", count: 1 }]);
    // the file says it was collected with another form version than the wave's codebook
    expect(kobo.warnings).toEqual([
      {
        code: "warn.form_version",
        zh: "文件的 __version__ 列显示问卷版本为 2023010101，而本波次的编码簿（codebook.xlsx）是版本 2024090101：请确认用的是同一版问卷（文件 kobo-columns.csv）",
        en: "the file's __version__ column gives form version 2023010101, but this wave's codebook (codebook.xlsx) is version 2024090101: check the file was collected with the same form (file kobo-columns.csv)",
      },
    ]);
    expect(formatIngestReport(kobo, "zh")).toContain("注意: 文件的 __version__ 列显示问卷版本为 2023010101");
  });
});
