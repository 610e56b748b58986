import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { escapeFormula } from "../../ingest/exportRejects.ts";
import { toCsv, toXlsx } from "../../server/exports.ts";

// The one formula-escaping rule (docs/exports.md) for CSV, XLSX and the rejected-rows
// download, against cases written out by hand from OWASP's "CSV injection" list.

const FORMULAS = [
  "=1+1",
  " =1+1", // a leading space: Excel still runs it
  "\n=1+1", // a line feed first
  '  \r\n=HYPERLINK("http://x")',
  "\t=1",
  "\r=1",
  "+A1",
  "-A1+1",
  "@SUM(A1)",
  "\tplain", // a tab or carriage return first is escaped whatever follows
];
const TEXT = ["plain", "a=b", "1+1", "-2", "+1.5", "3e-4", "-.5", "", "中文 =1"];

describe("formula escaping", () => {
  it.each(FORMULAS)("escapes %j", (cell) => {
    expect(escapeFormula(cell)).toBe(`'${cell}`);
  });

  it.each(TEXT)("leaves %j as it is", (cell) => {
    expect(escapeFormula(cell)).toBe(cell);
  });

  it("escapes in CSV, quoting cells with line breaks", () => {
    expect(toCsv(["a"], [[" =1+1"], ["\n=1+1"], ["-2"], [-2]])).toBe(
      "\uFEFFa\r\n' =1+1\r\n\"'\n=1+1\"\r\n-2\r\n-2\r\n",
    );
  });

  it("keeps numbers as number cells in XLSX and escapes only text that would be a formula", async () => {
    const buffer = await toXlsx(
      "s",
      ["n", "d", "t"],
      [
        [-2, "-2.50", " =1+1"],
        [0, "12345678901234567890", "-2"],
      ],
      ["INTEGER", "DECIMAL(6,2)", "VARCHAR"],
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as never);
    const rows = workbook.getWorksheet("s")!.getSheetValues().slice(2) as unknown[][];
    // more than 15 digits stays text: a double would change it
    expect(rows.map((r) => r.slice(1))).toEqual([
      [-2, -2.5, "' =1+1"],
      [0, "12345678901234567890", "-2"],
    ]);
  });
});
