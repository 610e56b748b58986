export { detectEncoding, detectFormat, type FileFormat } from "./detectFile.ts";
export {
  type ErrorSummary,
  formatIngestReport,
  type IngestOptions,
  IngestRefusal,
  type IngestResult,
  ingestFile,
} from "./ingestFile.ts";
export { type ColumnMapping, mapColumns, normalizeLabel } from "./mapColumns.ts";
export { rawItemColumns, rawTableName, registerStudy } from "./registerStudy.ts";
export { retractUpload } from "./retractUpload.ts";
