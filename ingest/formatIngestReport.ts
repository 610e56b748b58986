import { type Lang, message } from "../messages/catalogue.ts";
import type { IngestResult } from "./IngestResult.ts";

/** Human-readable report of an ingest result: every sentence from the message catalogue. */
export function formatIngestReport(result: IngestResult, lang: Lang = "en"): string {
  const lines: string[] = [];
  if (result.status === "refused") {
    // the refusal message names the file itself
    lines.push(
      message("ingest.report_refused", lang, { reason: result.refusal?.[lang] ?? result.file_name }),
    );
  } else if (result.status === "duplicate") {
    lines.push(
      message("ingest.report_duplicate", lang, { file: result.file_name, upload: String(result.upload_id) }),
    );
    return lines.join("\n");
  } else {
    lines.push(
      message("ingest.report_loaded", lang, { file: result.file_name, upload: String(result.upload_id) }),
    );
  }
  const readAs = {
    format: result.format ?? "?",
    encoding: result.encoding ?? "-",
    delimiter: JSON.stringify(result.delimiter),
  };
  lines.push(`  ${message("ingest.report_read_as", lang, readAs)}`);
  const { rows, accepted, rejected } = result;
  lines.push(`  ${message("ingest.report_counts", lang, { rows, accepted, rejected })}`);
  if (result.mapping?.ignored.length)
    lines.push(`  ${message("ingest.report_ignored", lang, { columns: result.mapping.ignored.join(", ") })}`);
  if (result.mapping?.calculated?.length)
    lines.push(`  ${message("ingest.calculated", lang, { columns: result.mapping.calculated.join(", ") })}`);
  for (const w of result.warnings ?? [])
    lines.push(`  ${message("ingest.report_warning", lang, { warning: w[lang] })}`);
  for (const e of result.errors) {
    lines.push(`  ${e.count} x ${e.column}: ${e.message[lang]}`);
    for (const f of e.first) lines.push(`    ${f[lang]}`);
  }
  if (result.rejects_note) lines.push(`  ${result.rejects_note[lang]}`);
  return lines.join("\n");
}
