import { once } from "node:events";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import Papa from "papaparse";
import type { Session } from "../db/index.ts";
import { checkZip } from "./checkZip.ts";
import type { FileFormat, TextEncoding } from "./detectFile.ts";
import { IngestRefusal, showValue } from "./IngestRefusal.ts";
import { numberFile, numberRecords } from "./numberRecords.ts";
import { readXlsxSheet } from "./readXlsxSheet.ts";
import { transcodeToUtf8 } from "./transcodeToUtf8.ts";

export interface PreparedRead {
  /**
   * A subquery over the copy of the file with each record's number in front (a Parquet
   * file: the file itself), read natively by DuckDB (streamed, in parallel, in no particular
   * order): `source_row`, then every cell as text. Every pass of the ingest reads it again (a
   * read costs less than keeping the cells in order in a table).
   * `source_row` is the record's number in the file, header = 1 (the row a spreadsheet
   * shows); in Parquet, the first row is 1.
   */
  source: string;
  /**
   * `source` with the given cells read as the given types (column -> SQL type), where the
   * reader can (CSV); `source` itself where it cannot. Only for cells known to parse: a
   * typed read stops at the first cell that does not.
   */
  typedSource(types: ReadonlyMap<string, string>): string;
  /**
   * The same cells, for a read that needs no record numbers: the file itself, readable while
   * the copy is being written (see `plainNumbered` for when it is the copy).
   */
  plainSource: string;
  /**
   * Null when `plainSource` reads the file itself; else it reads the copy with the numbers (a
   * transcoded file has no plain UTF-8 version: await `numbered` first), and this is the
   * delimiter, for csvRefusal.
   */
  plainNumbered: string | null;
  /**
   * Settles when `source` can be read (the copy with the numbers is written). Whoever reads
   * `source` awaits it first; it is never left to reject unhandled.
   */
  numbered: Promise<void>;
  /** Values `source` binds ($source_path, $source_delim). */
  params: Record<string, string>;
  /** Header cells as written in the file, in order. */
  header: string[];
  /** Column names of the cells in `source`, in the same order (generated for text files). */
  columns: string[];
  delimiter: string | null;
  /** Columns (as in `columns`) where an .xlsx has an Excel error cell (#N/A, ...): the checks name those cells. */
  excelErrors?: ReadonlySet<string>;
}

const DELIMITERS = [",", "\t", ";"] as const;

/**
 * The first record of a text file and the delimiter that splits it into the most columns
 * (comma, tab or semicolon). A header that no candidate splits is refused: the data uses
 * some other separator, and reading it as one column would only say "columns missing".
 */
async function readHeader(
  path: string,
  file: string,
  encoding: TextEncoding,
): Promise<{ header: string[]; delimiter: string }> {
  let text = "";
  let bytes = Buffer.alloc(0);
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  for await (const chunk of stream) {
    bytes = Buffer.concat([bytes, chunk as Buffer]);
    if (bytes.length > 1 << 20 || bytes.includes(10)) break;
  }
  stream.destroy();
  // the whole lines read, else the first alone; decoded strictly: a header that does not
  // decode is refused, never stored with U+FFFD in it (later lines are the transcode's)
  const decode = (end: number) => {
    try {
      // without a line end, a character cut at the end of what was read waits (stream)
      return new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(0, end), {
        stream: end === bytes.length,
      });
    } catch {
      return null;
    }
  };
  const lastLine = bytes.lastIndexOf(10);
  const firstLine = bytes.indexOf(10);
  text =
    (lastLine >= 0 ? decode(lastLine + 1) : null) ??
    decode(firstLine >= 0 ? firstLine + 1 : bytes.length) ??
    (() => {
      throw new IngestRefusal(encoding === "utf-8" ? "refuse.not_utf8" : "refuse.bad_gbk", { file, line: 1 });
    })();
  text = text.replace(/^\uFEFF/, "");
  let best: { header: string[]; delimiter: string } = { header: [], delimiter: "," };
  for (const delimiter of DELIMITERS) {
    const parsed = Papa.parse<string[]>(text, { delimiter, preview: 1 });
    const header = (parsed.data[0] ?? []).map((h) => h.trim());
    if (header.length > best.header.length) best = { header, delimiter };
  }
  if (best.header.length < 2)
    throw new IngestRefusal("refuse.no_delimiter", {
      file,
      value: showValue(text.split(/\r?\n/)[0] ?? ""),
    });
  return best;
}

/** Column names of the cells as read: c0001, c0002, ... (the header is kept apart, as written). */
function cellColumns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${String(i + 1).padStart(4, "0")}`);
}

/**
 * A CSV is copied with each record's number in front (numberRecords), in the background, and
 * in UTF-8 (a GB18030 file is transcoded on the way); the file and the copy are read with the
 * dialect set, not sniffed: the sniffer guesses wrong on small or ragged files, and strict
 * mode turns every malformed line into an error that names it (see csvRefusal). `signal`
 * stops the copy; `onBytes` counts the bytes transcoded.
 */
export async function prepareCsv(
  path: string,
  file: string,
  numberedCsv: string,
  options: { encoding?: TextEncoding; signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): Promise<PreparedRead> {
  const { encoding = "utf-8", signal, onBytes } = options;
  const { header, delimiter } = await readHeader(path, file, encoding);
  const numbered = (
    encoding === "utf-8"
      ? numberFile(path, numberedCsv, delimiter, { signal })
      : numberRecords(transcodeToUtf8(path, encoding, { signal, onBytes, file }), numberedCsv, delimiter, {
          signal,
        })
  ).then(() => undefined);
  numbered.catch(() => undefined);
  const columns = cellColumns(header.length);
  const read = (pathParam: string, types: ReadonlyMap<string, string>, numberColumn: boolean) => {
    const spec = columns.map((c) => `'${c}': '${types.get(c) ?? "VARCHAR"}'`);
    if (numberColumn) spec.unshift("'source_row': 'BIGINT'");
    return `(select *
    from read_csv(${pathParam}, columns = {${spec.join(", ")}}, header = true, auto_detect = false,
                  delim = $source_delim, quote = '"', escape = '"', strict_mode = true, null_padding = false,
                  parallel = true))`;
  };
  const typedSource = (types: ReadonlyMap<string, string>) => read("$source_path", types, true);
  const source = typedSource(new Map());
  const utf8 = encoding === "utf-8";
  return {
    source,
    typedSource,
    plainSource: utf8 ? read("$plain_path", new Map(), false) : source,
    plainNumbered: utf8 ? null : delimiter,
    numbered,
    params: { source_path: numberedCsv, plain_path: path, source_delim: delimiter },
    header,
    columns,
    delimiter,
  };
}

async function stageParquet(db: Session, path: string, file: string): Promise<PreparedRead> {
  let columns: string[];
  try {
    const rows = await db.query<{ column_name: string }>(
      "select column_name from (describe select * from read_parquet($p))",
      {
        p: path,
      },
    );
    columns = rows.map((r) => r.column_name);
  } catch (error) {
    throw new IngestRefusal("refuse.unreadable", {
      file,
      format: "Parquet",
      detail: (error as Error).message.split("\n")[0]!,
    });
  }
  const source = `(select file_row_number + 1 as source_row, columns(* exclude (file_row_number))::varchar
    from read_parquet($source_path, file_row_number = true))`;
  return {
    source,
    typedSource: () => source,
    plainSource: source,
    plainNumbered: null,
    numbered: Promise.resolve(),
    params: { source_path: path },
    header: columns,
    columns,
    delimiter: null,
  };
}

/**
 * Excel: check the zip inflates to a sane size, then stream the sheet (readXlsxSheet: every
 * cell as its writer means it) into a temporary UTF-8 CSV and read that natively, so memory
 * stays bounded whatever the size of the workbook. Rows are padded to the header's width, so
 * only a cell beyond the header makes a row ragged; a row the sheet skips (empty) is a blank
 * line, so record numbers stay the rows the spreadsheet shows. The columns with an Excel
 * error cell are noted (`excelErrors`): the checks name those cells.
 */
async function stageXlsx(
  path: string,
  file: string,
  tmpCsv: string,
  numberedCsv: string,
  sheet?: string,
): Promise<PreparedRead> {
  await checkZip(path, statSync(path).size, file);
  const out = createWriteStream(tmpCsv);
  let rows = 0;
  const errorColumns = new Set<number>();
  try {
    let width = 0;
    let last = 0;
    for await (const row of readXlsxSheet(path, file, sheet)) {
      const values = row.cells;
      if (width === 0) {
        while (values.length > 0 && values[values.length - 1] === "") values.pop();
        if (values.length === 0) continue;
        width = values.length;
      } else {
        for (let n = last + 1; n < row.number; n++) if (!out.write("\n")) await once(out, "drain");
      }
      last = row.number;
      for (const i of row.errors) errorColumns.add(i);
      while (values.length > width && values[values.length - 1] === "") values.pop();
      while (values.length < width) values.push("");
      rows++;
      // a row with no value (formatted, or cleared) is a blank line: no record, but counted
      const line = values.every((v) => v === "") ? "\n" : `${Papa.unparse([values], { newline: "\n" })}\n`;
      if (!out.write(line)) await once(out, "drain");
    }
  } catch (error) {
    if (error instanceof IngestRefusal) throw error;
    throw new IngestRefusal("refuse.xlsx_corrupt", {
      file,
      detail: (error as Error).message.split("\n")[0]!,
    });
  } finally {
    out.end();
    await once(out, "finish").catch(() => undefined);
  }
  if (rows === 0) throw new IngestRefusal("refuse.empty_file", { file });
  const read = await prepareCsv(tmpCsv, file, numberedCsv);
  return { ...read, excelErrors: new Set([...errorColumns].map((i) => read.columns[i]!).filter(Boolean)) };
}

/**
 * Prepare to read the file's cells natively: the header, the delimiter, and the subquery
 * that reads the cells with their record numbers (a CSV is first copied with the numbers in
 * front, an .xlsx streamed into a temporary CSV and that copied). A file whose content
 * cannot be read throws an IngestRefusal naming the file.
 */
export async function prepareRead(
  db: Session,
  format: FileFormat,
  path: string,
  options: { file: string; tmpCsv: string; numberedCsv: string; sheet?: string },
): Promise<PreparedRead> {
  if (format === "parquet") return stageParquet(db, path, options.file);
  if (format === "xlsx")
    return stageXlsx(path, options.file, options.tmpCsv, options.numberedCsv, options.sheet);
  return prepareCsv(path, options.file, options.numberedCsv);
}
