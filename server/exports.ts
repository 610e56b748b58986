import { once } from "node:events";
import { PassThrough, type Writable } from "node:stream";
import { setImmediate as yieldToOthers } from "node:timers/promises";
import ExcelJS from "exceljs";
import { escapeFormula } from "../ingest/exportRejects.ts";

/**
 * A cell that a spreadsheet would read as a formula (= + - @, also after spaces, tabs or line
 * breaks) gets a leading apostrophe, so exported text stays text; numbers stay as they are.
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

/**
 * The CSV of `toCsv`, written to `out` as it goes, giving the event loop back every few
 * hundred rows and waiting when the client reads slowly.
 */
export async function writeCsv(
  out: Writable,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
): Promise<void> {
  let lines = [`\uFEFF${columns.map(csvField).join(",")}`];
  const flush = async () => {
    const ok = out.write(`${lines.join("\r\n")}\r\n`);
    lines = [];
    if (!ok) await Promise.race([once(out, "drain"), once(out, "close")]);
    else await yieldToOthers();
  };
  for (const r of rows) {
    lines.push(r.map(csvField).join(","));
    if (lines.length >= ROWS_PER_TURN) await flush();
  }
  if (lines.length > 0) await flush();
  out.end();
}

/** Past this many cells an XLSX export is refused (the caller says so): CSV or Arrow instead. */
export const MAX_XLSX_CELLS = 20_000_000;

/** DuckDB types whose values come as text (DECIMAL, 128-bit and big 64-bit integers) but are numbers. */
const NUMERIC_TYPE =
  /^(?:DECIMAL|NUMERIC|HUGEINT|UHUGEINT|BIGINT|UBIGINT|INTEGER|SMALLINT|TINYINT|DOUBLE|FLOAT|REAL)\b/i;

/** Rows written to the CSV stream at once. */
const ROWS_PER_TURN = 250;

/** Longest stretch of workbook building before the event loop is given back to other requests. */
const SLICE_MS = 10;

/**
 * One worksheet written as it goes (exceljs's streaming writer, inline strings), so memory
 * stays flat whatever the row count, and the event loop is given back every 10 ms of work
 * so other users' requests are answered while a large workbook is built. Numbers are number
 * cells: JavaScript numbers, and the text DuckDB gives for DECIMAL and big integers when
 * `types` says the column is numeric (within a double's 15 exact digits); only text that
 * would be a formula is escaped.
 */
export async function writeXlsx(
  out: Writable,
  sheetName: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
  types?: readonly string[],
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: true,
  });
  workbook.created = new Date(0);
  workbook.modified = new Date(0);
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  const header = sheet.addRow([...columns]);
  header.font = { bold: true };
  header.commit();
  const numeric = columns.map((_, i) => NUMERIC_TYPE.test(types?.[i] ?? ""));
  let n = 0;
  let since = performance.now();
  for (const r of rows) {
    sheet.addRow(r.map((v, i) => xlsxCell(v, numeric[i] ?? false))).commit();
    if (++n % 10 === 0 && performance.now() - since > SLICE_MS) {
      await yieldToOthers();
      since = performance.now();
    }
  }
  sheet.commit();
  await workbook.commit();
}

/** The workbook of `writeXlsx` as one buffer (small exports, and cached ones). */
export async function toXlsx(
  sheetName: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
  types?: readonly string[],
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => {
    out.on("end", resolve);
    out.on("error", reject);
  });
  await writeXlsx(out, sheetName, columns, rows, types);
  await ended;
  return Buffer.concat(chunks);
}

function xlsxCell(value: unknown, numeric: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string" && numeric && /^[+-]?\d{1,15}(?:\.\d+)?$/.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return escapeCell(value);
}
