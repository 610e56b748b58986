import ExcelJS from "exceljs";
import { escapeFormula } from "../ingest/exportRejects.ts";

/**
 * A cell that a spreadsheet would read as a formula (= + - @, also after tab or CR) gets a
 * leading apostrophe, so exported text stays text.
 */
export function escapeCell(value: unknown): unknown {
  return typeof value === "string" ? escapeFormula(value) : value;
}

function csvField(value: unknown): string {
  const v = escapeCell(value);
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV with a UTF-8 byte order mark (so Excel on a Chinese Windows reads it right). */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [columns.map(csvField).join(","), ...rows.map((r) => r.map(csvField).join(","))];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

export async function toXlsx(
  sheetName: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(0);
  workbook.modified = new Date(0);
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  sheet.addRow([...columns]);
  sheet.getRow(1).font = { bold: true };
  for (const r of rows)
    sheet.addRow(
      r.map((v) =>
        v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : escapeCell(v),
      ),
    );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
