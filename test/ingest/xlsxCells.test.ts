import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { excelCellText, numberKind, serialToDate } from "../../ingest/excelCellText.ts";
import { ingestFile, rawTableName } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { CODEBOOK, writeStudy } from "../helpers/tinyStudy.ts";

// Every cell type Excel writes, read as the person who typed it means it. The workbooks are
// written here by exceljs (shared strings, rich text, styles with number formats, formulas
// with cached values, error cells, and a 1904 date system); the expected texts are the
// values written, by hand (2024-09-12 is Excel serial 45547 in the 1900 system and 44085 in
// the 1904 system, 1462 days less: both checked in the zip's XML while writing this test).

const KEY = Buffer.from("test-hmac-key");
const EXTRA_ITEMS = `  - { type: date, name: visit, label: { zh: 访问日期, en: Visit date }, required: yes }
  - { type: text, name: started, label: { zh: 开始时间, en: Started at } }
  - { type: text, name: clock, label: { zh: 时刻, en: Clock time } }
  - { type: select_one yn, name: consent, label: { zh: 同意, en: Consent } }
  - { type: decimal, name: score, label: { zh: 得分, en: Score } }
choices:
  yn: [{ name: "1", label: { zh: 是, en: "Yes" } }, { name: "0", label: { zh: 否, en: "No" } }]
`;
const HEADER = [
  "rid",
  "town",
  "village",
  "sex",
  "age",
  "aw_union",
  "league",
  "visit",
  "started",
  "clock",
  "consent",
  "score",
];

let dir: string;
let db: Database;
let study: Study;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-xlsx-test-"));
  study = await loadStudy(writeStudy({ "codebook.yaml": CODEBOOK.replace("choices:\n", EXTRA_ITEMS) }));
  db = await openDatabase(join(dir, "test.duckdb"));
});
afterEach(async () => {
  await closeDatabase(db);
});

const day = (y: number, m: number, d: number, h = 0, min = 0, s = 0) =>
  new Date(Date.UTC(y, m - 1, d, h, min, s));

async function workbook(date1904: boolean): Promise<string> {
  const wb = new ExcelJS.Workbook();
  wb.properties.date1904 = date1904;
  const ws = wb.addWorksheet("数据");
  ws.addRow(HEADER);
  const rows: ExcelJS.CellValue[][] = [
    // shared strings, rich text, a number, a number stored as text, a formula's cached number,
    // a date, a date-time, a time, a boolean, a float that is 0.3 on screen
    [
      "r1",
      "T1",
      { richText: [{ text: "V", font: { bold: true } }, { text: "1" }] },
      1,
      "45",
      { formula: "3-2", result: 1 },
      2,
      day(2024, 9, 12),
      day(2024, 9, 12, 14, 30, 5),
      14.5 / 24,
      true,
      0.1 + 0.2,
    ],
    // a formula whose cached value is a date, in a Chinese date format; a number as text
    // with spaces; FALSE; a date-time shown without seconds
    [
      "r2",
      "T1",
      "V2",
      2,
      " 30 ",
      1,
      2,
      { formula: "DATE(2024,9,13)", result: day(2024, 9, 13) },
      day(2024, 9, 13, 8, 5),
      8 / 24,
      false,
      12,
    ],
    // #N/A typed as an error cell: a bad value, named
    ["r3", "T2", "V3", 1, { error: "#N/A" }, 1, 1, day(2024, 9, 14), "", "", true, 1],
    // a formula whose cached value is an error
    ["r4", "T2", "V3", 1, 40, 1, 1, { formula: "NA()", result: { error: "#N/A" } }, "", "", true, 1],
  ];
  // sheet rows 2 and 3, then row 4 formatted but empty, then 5, then 6 left out, then 7: the
  // rows keep the numbers the spreadsheet shows
  const at = [2, 3, 5, 7];
  ws.getRow(4).getCell(2).numFmt = "0.00";
  for (const [i, values] of rows.entries()) {
    const row = ws.getRow(at[i]!);
    row.values = values;
    row.getCell(8).numFmt = values[0] === "r2" ? 'yyyy"年"m"月"d"日"' : "yyyy-mm-dd";
    row.getCell(9).numFmt = values[0] === "r2" ? "yyyy/m/d h:mm" : "yyyy-mm-dd hh:mm:ss";
    row.getCell(10).numFmt = "h:mm";
  }
  const path = join(dir, `cells-${date1904 ? 1904 : 1900}.xlsx`);
  await wb.xlsx.writeFile(path);
  return path;
}

describe("xlsx cells as the user means them", () => {
  it.each([false, true])(
    "dates, times, booleans, formulas, rich text, errors (1904 system: %s)",
    async (is1904) => {
      const result = await ingestFile(db, {
        study,
        waveId: "2024",
        path: await workbook(is1904),
        user: "tester",
        hmacKey: KEY,
      });
      expect(result).toMatchObject({ status: "loaded", format: "xlsx", rows: 4, accepted: 2, rejected: 2 });
      const raw = await db.query<Record<string, string | number | null>>(
        `select respondent_id, village, age::varchar as age, aw_union::varchar as aw_union, visit, started, clock,
              consent::varchar as consent, score
       from ${rawTableName("tiny")} order by respondent_id`,
      );
      expect(raw).toEqual([
        {
          respondent_id: "r1",
          village: "V1",
          age: "45",
          aw_union: "1",
          visit: "2024-09-12",
          started: "2024-09-12 14:30:05",
          clock: "14:30:00",
          consent: "1",
          score: 0.3,
        },
        {
          respondent_id: "r2",
          village: "V2",
          age: "30",
          aw_union: "1",
          visit: "2024-09-13",
          started: "2024-09-13 08:05:00",
          clock: "08:00:00",
          consent: "0",
          score: 12,
        },
      ]);
      // the error cells are named as Excel errors, and nothing else is said about them
      const q = await db.query<{
        source_row: number;
        column_name: string;
        value: string;
        reason_code: string;
      }>("select source_row, column_name, value, reason_code from quarantine order by source_row");
      expect(q).toEqual([
        { source_row: 5, column_name: "age", value: "#N/A", reason_code: "reject.excel_error" },
        { source_row: 7, column_name: "visit", value: "#N/A", reason_code: "reject.excel_error" },
      ]);
    },
  );
});

describe("excelCellText", () => {
  const cell = (t: string, v: string, format = "General", inline = "") =>
    excelCellText({ t, v, format, inline }, false);
  it("reads each cell type", () => {
    expect(cell("inlineStr", "", "General", "内联 文本")).toEqual({ text: "内联 文本", isError: false });
    expect(cell("str", "公式文本")).toEqual({ text: "公式文本", isError: false });
    expect(cell("b", "1").text).toBe("1");
    expect(cell("b", "0").text).toBe("0");
    expect(cell("e", "#DIV/0!")).toEqual({ text: "#DIV/0!", isError: true });
    expect(cell("d", "2024-09-12T00:00:00Z", "yyyy-mm-dd").text).toBe("2024-09-12");
    expect(cell("d", "2024-09-12T14:30:00", "yyyy-mm-dd hh:mm").text).toBe("2024-09-12 14:30:00");
    expect(cell("n", "45547", "m/d/yy").text).toBe("2024-09-12");
    expect(cell("n", "45547.75", "yyyy-mm-dd").text).toBe("2024-09-12");
    expect(cell("n", "1.0875", "[h]:mm:ss").text).toBe("26:06:00");
    expect(cell("n", "0.30000000000000004").text).toBe("0.3");
    expect(cell("n", "13800000001").text).toBe("13800000001");
    expect(cell("n", "").text).toBe("");
  });
  it("tells dates, times and numbers apart by the format code", () => {
    expect(numberKind('yyyy"年"m"月"d"日"')).toBe("date");
    expect(numberKind("[$-804]yyyy/m/d h:mm")).toBe("datetime");
    expect(numberKind("h:mm AM/PM")).toBe("time");
    expect(numberKind("mm:ss")).toBe("time");
    expect(numberKind("[Red]0.00;[Blue]-0.00")).toBe("number");
    expect(numberKind('0.0 "days"')).toBe("number");
    expect(numberKind("General")).toBe("number");
    expect(numberKind("0%")).toBe("number");
  });
  it("counts serial days as Excel does, in both date systems", () => {
    // by hand: day 1 is 1900-01-01, day 59 is 1900-02-28, day 61 is 1900-03-01 (60 is Lotus's 29 February)
    expect(serialToDate(1, false)?.toISOString().slice(0, 10)).toBe("1900-01-01");
    expect(serialToDate(59, false)?.toISOString().slice(0, 10)).toBe("1900-02-28");
    expect(serialToDate(61, false)?.toISOString().slice(0, 10)).toBe("1900-03-01");
    expect(serialToDate(60, false)).toBeNull();
    expect(serialToDate(0, true)?.toISOString().slice(0, 10)).toBe("1904-01-01");
    expect(serialToDate(44085, true)?.toISOString().slice(0, 10)).toBe("2024-09-12");
  });
});
