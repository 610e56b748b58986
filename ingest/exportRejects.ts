import { once } from "node:events";
import type { Writable } from "node:stream";
import Papa from "papaparse";
import type { Session } from "../db/index.ts";
import { type Lang, message, messages } from "../messages/catalogue.ts";

/** A plain number (`-2`, `+1.5`, `3e-4`): a spreadsheet reads it as that number, never as a formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The one formula-escaping rule (OWASP "CSV injection"; docs/exports.md): text a spreadsheet
 * would run as a formula gets a leading apostrophe, so opening an export cannot execute what a
 * respondent typed. That is text whose first character after any spaces, tabs, carriage
 * returns or line feeds is = + - or @, and text that begins with a tab or carriage return.
 * A plain number is left as it is.
 */
export function escapeFormula(cell: string | null): string {
  if (cell === null) return "";
  if (PLAIN_NUMBER.test(cell)) return cell;
  return /^(?:[\t\r]|\s*[=+\-@])/.test(cell) ? `'${cell}` : cell;
}

/**
 * Write the quarantined rows of an upload as CSV in the file's original layout (its header,
 * then each rejected row's cells as read, in source order), to fix and upload again.
 * Returns the number of rows written. Streams in batches, so memory stays bounded. The cells
 * are as the ingest stored them, with the study's personal-data rules applied: a dropped
 * column is empty, an HMACed one holds its hash marked `hmac:…` (see rejectsNote). The rows
 * of an upload refused as a whole are kept for REFUSED_REJECTS_DAYS; of a retracted one, none.
 * With `reasons`, a last column says in that language why each row was rejected
 * ("village_code = T01V999：抽样框中没有此村（社区）"), so the team knows what to fix.
 */
export async function exportRejects(
  db: Session,
  uploadId: string,
  out: Writable,
  options: { reasons?: Lang } = {},
): Promise<number> {
  const uploads = await db.query<{ header: string | null }>(
    `select header from uploads where upload_id = $1
     union all select header from refused_uploads where upload_id = $1 and expires_at > now()`,
    [uploadId],
  );
  if (!uploads[0]) throw new Error(message("export.no_upload", "en", { upload: uploadId }));
  const header = JSON.parse(uploads[0].header ?? "[]") as string[];
  const write = async (cells: (string | null)[]) => {
    const line = `${Papa.unparse([cells.map(escapeFormula)], { newline: "\r\n", quotes: false })}\r\n`;
    if (!out.write(line)) await once(out, "drain");
  };
  const lang = options.reasons;
  await write(lang ? [...header, message("export.reason_column", lang)] : header);
  let written = 0;
  let after = -1;
  for (;;) {
    // each row's reasons (the quarantine holds values as the personal-data rules left them)
    const rows = await db.query<{ source_row: number; cells: string; reasons: string | null }>(
      `select r.source_row, r.cells::varchar as cells,
              ${
                lang
                  ? `(select string_agg(coalesce(q.column_name || ' = ' || coalesce(q.value, '') || '${lang === "zh" ? "：" : ": "}', '') || q.reason_${lang}, '; ' order by q.column_name)
                      from quarantine q where q.upload_id = r.upload_id and q.source_row = r.source_row)`
                  : "null"
              } as reasons
       from quarantine_rows r
       where r.upload_id = $1 and r.source_row > $2 order by r.source_row limit 10000`,
      [uploadId, after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const cells = JSON.parse(r.cells) as (string | null)[];
      await write(lang ? [...cells, r.reasons ?? ""] : cells);
    }
    written += rows.length;
    after = rows[rows.length - 1]!.source_row;
  }
  return written;
}

/** The encoding of the file an upload came in (null when unknown: written before it was kept). */
export async function uploadEncoding(db: Session, uploadId: string): Promise<string | null> {
  const rows = await db.query<{ encoding: string | null }>(
    `select encoding from uploads where upload_id = $1
     union all select encoding from refused_uploads where upload_id = $1`,
    [uploadId],
  );
  return rows[0]?.encoding ?? null;
}

/**
 * Why a rejected-rows download has empty or `hmac:…` cells, in both languages: the personal
 * columns of the file, by what the ingest does with them. Null when the file has none.
 */
export function rejectsNote(
  personal: readonly { column: string; action: "drop" | "hmac" }[],
): { zh: string; en: string } | null {
  if (personal.length === 0) return null;
  const list = (action: "drop" | "hmac", lang: "zh" | "en") => {
    const columns = personal.filter((p) => p.action === action).map((p) => p.column);
    return columns.length ? columns.join(lang === "zh" ? "、" : ", ") : message("export.personal_none", lang);
  };
  const zh = messages("export.personal_note", { dropped: list("drop", "zh"), hashed: list("hmac", "zh") }).zh;
  const en = messages("export.personal_note", { dropped: list("drop", "en"), hashed: list("hmac", "en") }).en;
  return { zh, en };
}
