import type { MessageKey } from "../messages/catalogue.ts";
import type { FileFormat } from "./detectFile.ts";
import type { IngestWarning } from "./formVersionWarnings.ts";
import type { ColumnMapping } from "./mapColumns.ts";

export interface ErrorSummary {
  reason: MessageKey;
  column: string;
  count: number;
  message: { zh: string; en: string };
  /** The first rows, each with its sentence: "第 11 行 village = T01V999：抽样框中没有此村（社区）". */
  first: { row: number; value: string | null; zh: string; en: string }[];
}

export interface IngestResult {
  upload_id: string | null;
  status: "loaded" | "duplicate" | "refused";
  rows: number;
  accepted: number;
  rejected: number;
  encoding: string | null;
  format: FileFormat | null;
  delimiter: string | null;
  file_name: string;
  mapping: ColumnMapping | null;
  errors: ErrorSummary[];
  /** Why the whole file was refused (both languages). */
  refusal: { code: MessageKey; zh: string; en: string } | null;
  /**
   * The file's personal columns (header, and what the ingest does with them): a dropped one
   * comes back empty in the rejected rows, an HMACed one as its hash, marked `hmac:…`.
   */
  personal: { column: string; action: "drop" | "hmac" }[];
  /** Why the rejected rows' personal cells are empty or hashed (null without rejected rows or personal columns). */
  rejects_note: { zh: string; en: string } | null;
  /** What the upload says without refusing it: a form version other than the codebook's. */
  warnings: IngestWarning[];
}
