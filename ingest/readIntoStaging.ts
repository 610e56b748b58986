import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import type { FileFormat } from "./detectFile.ts";

export interface StagedFile {
  /** Temporary table holding every cell as text, in file order (rowid = record index). */
  table: string;
  /** Header cells as written in the file, in order. */
  header: string[];
  /** Column names DuckDB gave them (same order; duplicates get suffixes). */
  columns: string[];
  rows: number;
  delimiter: string | null;
}

const STAGE = "_upload_cells";

/** The first record of a UTF-8 text file, parsed as CSV with the given delimiter. */
async function readHeader(path: string, delimiter: string): Promise<string[]> {
  let text = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    text += chunk;
    if (text.length > 1 << 20 || /\n/.test(text)) break;
  }
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { delimiter, preview: 1 });
  return (parsed.data[0] ?? []).map((h) => h.trim());
}

async function stageCsv(db: Session, path: string): Promise<StagedFile> {
  const sniff = await db.query<{ Delimiter: string }>(
    "select Delimiter from sniff_csv($p, sample_size = 20480)",
    { p: path },
  );
  const delimiter = sniff[0]?.Delimiter ?? ",";
  await db.run(
    `create or replace temp table ${STAGE} as
     select * from read_csv($p, all_varchar = true, header = true, delim = $d, quote = '"', escape = '"',
                            strict_mode = true, null_padding = false, parallel = true)`,
    { p: path, d: delimiter },
  );
  return finish(db, await readHeader(path, delimiter), delimiter);
}

async function stageParquet(db: Session, path: string): Promise<StagedFile> {
  await db.run(`create or replace temp table ${STAGE} as select columns(*)::varchar from read_parquet($p)`, {
    p: path,
  });
  const cols = await columnsOf(db);
  return finish(db, cols, null);
}

/**
 * Excel: stream the sheet with exceljs into a temporary UTF-8 CSV, then read that natively,
 * so memory stays bounded whatever the size of the workbook.
 */
async function stageXlsx(db: Session, path: string, tmpCsv: string, sheet?: string): Promise<StagedFile> {
  const out = createWriteStream(tmpCsv);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: "cache",
    worksheets: "emit",
    hyperlinks: "ignore",
    styles: "ignore",
  });
  let found = false;
  let index = 0;
  for await (const worksheet of reader) {
    index++;
    const name = (worksheet as unknown as { name?: string }).name;
    if (found || (sheet ? name !== sheet : index !== 1)) continue;
    found = true;
    for await (const row of worksheet) {
      const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellToText);
      const line = `${Papa.unparse([values], { newline: "\n" })}\n`;
      if (!out.write(line)) await once(out, "drain");
    }
  }
  out.end();
  await once(out, "finish");
  if (!found)
    throw new Error(
      sheet ? `the workbook has no sheet named ${JSON.stringify(sheet)}` : "the workbook has no sheet",
    );
  return stageCsv(db, tmpCsv);
}

function cellToText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("text" in value && typeof value.text === "string") return value.text;
    if ("result" in value) return cellToText(value.result as ExcelJS.CellValue);
    if ("formula" in value) return "";
    if ("error" in value) return String(value.error);
  }
  return String(value);
}

async function columnsOf(db: Session): Promise<string[]> {
  const rows = await db.query<{ column_name: string }>(
    "select column_name from duckdb_columns() where table_name = $t and database_name = 'temp' order by column_index",
    { t: STAGE },
  );
  return rows.map((r) => r.column_name);
}

async function finish(db: Session, header: string[], delimiter: string | null): Promise<StagedFile> {
  const columns = await columnsOf(db);
  const [{ n }] = (await db.query<{ n: number }>(
    `select count(*)::bigint as n from ${quoteIdent(STAGE)}`,
  )) as [{ n: number }];
  return {
    table: STAGE,
    header: header.length === columns.length ? header : columns,
    columns,
    rows: n,
    delimiter,
  };
}

/** Load the file's cells into a temporary table on `db`'s connection. */
export async function readIntoStaging(
  db: Session,
  format: FileFormat,
  path: string,
  options: { tmpCsv: string; sheet?: string },
): Promise<StagedFile> {
  if (format === "parquet") return stageParquet(db, path);
  if (format === "xlsx") return stageXlsx(db, path, options.tmpCsv, options.sheet);
  return stageCsv(db, path);
}
