import { readFileSync } from "node:fs";
import Papa from "papaparse";

export interface CsvTable {
  columns: string[];
  rows: Record<string, string>[];
}

/** Read a small UTF-8 CSV (frame, margins) into text cells; `name` is used in messages. */
export function readCsvTable(path: string, name: string): CsvTable {
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const error = parsed.errors[0];
  if (error) throw new Error(`${name}, row ${(error.row ?? 0) + 2}: ${error.message}`);
  const columns = parsed.meta.fields ?? [];
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup) throw new Error(`${name}: duplicate column "${dup}"`);
  return { columns, rows: parsed.data };
}
