import { createReadStream, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createInflateRaw } from "node:zlib";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { readDirectory, type ZipEntry } from "./checkZip.ts";
import { builtInFormat, excelCellText, type RawCell } from "./excelCellText.ts";
import { IngestRefusal, showValue } from "./IngestRefusal.ts";

/** One row of a sheet: its number as the spreadsheet shows it, and its cells as text (A = 0). */
export interface SheetRow {
  number: number;
  cells: string[];
  /** Indexes of the cells that hold an Excel error (#N/A, #VALUE!, ...). */
  errors: number[];
}

/**
 * Stream one sheet of an .xlsx (the first, or the one named) row by row, each cell as the
 * person who typed it means it (see excelCellText): the workbook's date system (1900 or
 * 1904), its number formats (dates, times), shared and inline strings (rich text joined),
 * formulas by their cached values. Reads the zip's parts itself, whatever order its writer
 * put them in; only the shared strings and the styles are held in memory, the sheet is
 * streamed. Call checkZip first: this trusts the zip's sizes.
 */
export async function* readXlsxSheet(path: string, file: string, sheet?: string): AsyncGenerator<SheetRow> {
  const corrupt = (detail: string) => new IngestRefusal("refuse.xlsx_corrupt", { file, detail });
  const entries = new Map(
    (await readDirectory(path, statSync(path).size, file, corrupt)).map((e) => [
      e.name.replace(/^\//, ""),
      e,
    ]),
  );
  const part = async (name: string): Promise<string | null> => {
    const entry = entries.get(name);
    if (!entry) return null;
    let text = "";
    const decoder = new TextDecoder("utf-8");
    for await (const chunk of await entryStream(path, entry, corrupt))
      text += decoder.decode(chunk as Buffer, { stream: true });
    return text + decoder.decode();
  };

  const workbookXml = await part("xl/workbook.xml");
  if (workbookXml === null) throw corrupt("the workbook has no xl/workbook.xml");
  const workbook = parseWorkbook(workbookXml);
  const rels = parseRels((await part("xl/_rels/workbook.xml.rels")) ?? "");
  const chosen = sheet === undefined ? workbook.sheets[0] : workbook.sheets.find((s) => s.name === sheet);
  if (!chosen) {
    if (sheet !== undefined) throw new IngestRefusal("refuse.no_sheet", { file, sheet: showValue(sheet) });
    throw corrupt("the workbook has no sheet");
  }
  const target = rels.get(chosen.rid);
  const sheetPath = target
    ? target.startsWith("/")
      ? target.slice(1)
      : `xl/${target}`.replace(/\/\.\//g, "/")
    : null;
  const sheetEntry = sheetPath ? entries.get(sheetPath) : undefined;
  if (!sheetEntry) throw corrupt(`sheet ${showValue(chosen.name)} has no part in the zip`);
  const formats = parseStyles((await part("xl/styles.xml")) ?? "");
  const strings = parseSharedStrings((await part("xl/sharedStrings.xml")) ?? "");

  const rows: SheetRow[] = [];
  const parser = new SaxesParser();
  let rowNumber = 0;
  let row: SheetRow | null = null;
  let column = -1;
  let cell: (RawCell & { s: number }) | null = null;
  let capture: "v" | "t" | null = null;
  let inPhonetic = false;
  parser.on("opentag", (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === "row") {
      const r = Number(tag.attributes.r);
      rowNumber = Number.isInteger(r) && r > 0 ? r : rowNumber + 1;
      row = { number: rowNumber, cells: [], errors: [] };
      column = -1;
    } else if (name === "c" && row) {
      const ref = String(tag.attributes.r ?? "");
      column = ref ? columnIndex(ref) : column + 1;
      cell = {
        t: String(tag.attributes.t ?? "n"),
        s: Number(tag.attributes.s ?? 0),
        v: "",
        inline: "",
        format: "",
      };
    } else if (name === "v" && cell) capture = "v";
    else if (name === "t" && cell && !inPhonetic) capture = "t";
    else if (name === "rPh") inPhonetic = true;
  });
  parser.on("text", (text) => {
    if (!cell || capture === null) return;
    if (capture === "v") cell.v += text;
    else cell.inline += text;
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === "v" || name === "t") capture = null;
    else if (name === "rPh") inPhonetic = false;
    else if (name === "c" && cell && row) {
      // shared strings were unescaped as they were read
      cell.v =
        cell.t === "s" ? (cell.v === "" ? "" : (strings[Number(cell.v)] ?? "")) : unescapeExcel(cell.v);
      cell.inline = unescapeExcel(cell.inline);
      cell.format = formats[cell.s] ?? "General";
      const { text, isError } = excelCellText(cell, workbook.date1904);
      row.cells[column] = text;
      if (isError) row.errors.push(column);
      cell = null;
    } else if (name === "row" && row) {
      for (let i = 0; i < row.cells.length; i++) row.cells[i] ??= "";
      rows.push(row);
      row = null;
    }
  });
  const decoder = new TextDecoder("utf-8");
  try {
    for await (const chunk of await entryStream(path, sheetEntry, corrupt)) {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      yield* rows.splice(0);
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (error) {
    if (error instanceof IngestRefusal) throw error;
    throw corrupt(`sheet ${showValue(chosen.name)}: ${(error as Error).message.split("\n")[0]}`);
  }
  yield* rows.splice(0);
}

/** The bytes of one zip entry, inflated. */
async function entryStream(path: string, entry: ZipEntry, corrupt: (d: string) => Error): Promise<Readable> {
  const handle = await open(path, "r");
  const local = Buffer.alloc(30);
  try {
    await handle.read(local, 0, 30, entry.localOffset);
  } finally {
    await handle.close();
  }
  if (local.readUInt32LE(0) !== 0x04034b50) throw corrupt(`entry ${entry.name} has no local header`);
  const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (entry.compressed === 0) return Readable.from([]);
  const source = createReadStream(path, { start, end: start + entry.compressed - 1 });
  if (entry.method === 0) return source;
  if (entry.method !== 8) throw corrupt(`entry ${entry.name} uses unsupported compression ${entry.method}`);
  const inflate = createInflateRaw();
  source.on("error", (e) => inflate.destroy(e));
  return source.pipe(inflate);
}

/** An element's name without its namespace prefix (some writers use x:row, x:c). */
const local = (name: string) => name.slice(name.indexOf(":") + 1);

/** "AB12" -> 27 (A = 0). */
function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of ref.toUpperCase()) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    n = n * 26 + (code - 64);
  }
  return n - 1;
}

/** Excel writes characters XML cannot hold as _xHHHH_. */
function unescapeExcel(text: string): string {
  return text.includes("_x")
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : text;
}

function eachTag(
  xml: string,
  onOpen: (tag: SaxesTagPlain) => void,
  onText?: (text: string) => void,
  onClose?: (name: string) => void,
) {
  const parser = new SaxesParser();
  parser.on("opentag", onOpen);
  if (onText) parser.on("text", onText);
  if (onClose) parser.on("closetag", (tag) => onClose(local(tag.name)));
  parser.write(xml).close();
}

function parseWorkbook(xml: string): { date1904: boolean; sheets: { name: string; rid: string }[] } {
  let date1904 = false;
  const sheets: { name: string; rid: string }[] = [];
  eachTag(xml, (tag) => {
    const name = local(tag.name);
    if (name === "workbookPr") {
      const v = String(tag.attributes.date1904 ?? "").toLowerCase();
      date1904 = v === "1" || v === "true";
    } else if (name === "sheet") {
      const rid = Object.entries(tag.attributes).find(([k]) => k === "id" || k.endsWith(":id"))?.[1];
      sheets.push({ name: String(tag.attributes.name ?? ""), rid: String(rid ?? "") });
    }
  });
  return { date1904, sheets };
}

function parseRels(xml: string): Map<string, string> {
  const rels = new Map<string, string>();
  if (!xml) return rels;
  eachTag(xml, (tag) => {
    if (local(tag.name) === "Relationship")
      rels.set(String(tag.attributes.Id), String(tag.attributes.Target));
  });
  return rels;
}

/** The number format code of each cell style (cellXfs), by its index. */
function parseStyles(xml: string): string[] {
  if (!xml) return [];
  const custom = new Map<number, string>();
  const formats: string[] = [];
  let inCellXfs = false;
  eachTag(
    xml,
    (tag) => {
      const name = local(tag.name);
      if (name === "numFmt")
        custom.set(Number(tag.attributes.numFmtId), String(tag.attributes.formatCode ?? ""));
      else if (name === "cellXfs") inCellXfs = true;
      else if (name === "xf" && inCellXfs) {
        const id = Number(tag.attributes.numFmtId ?? 0);
        formats.push(custom.get(id) ?? builtInFormat(id));
      }
    },
    undefined,
    (name) => {
      if (name === "cellXfs") inCellXfs = false;
    },
  );
  return formats;
}

/** The shared strings, rich text joined, phonetic guides left out. */
function parseSharedStrings(xml: string): string[] {
  if (!xml) return [];
  const strings: string[] = [];
  let current: string | null = null;
  let inText = false;
  let inPhonetic = false;
  eachTag(
    xml,
    (tag) => {
      const name = local(tag.name);
      if (name === "si") current = "";
      else if (name === "rPh") inPhonetic = true;
      else if (name === "t" && !inPhonetic) inText = true;
    },
    (text) => {
      if (inText && current !== null) current += text;
    },
    (name) => {
      if (name === "t") inText = false;
      else if (name === "rPh") inPhonetic = false;
      else if (name === "si" && current !== null) {
        strings.push(unescapeExcel(current));
        current = null;
      }
    },
  );
  return strings;
}
