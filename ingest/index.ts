export { detectEncoding, detectFormat, type FileFormat } from "./detectFile.ts";
export { exportRejects, rejectsNote, uploadEncoding } from "./exportRejects.ts";
export { IngestRefusal } from "./IngestRefusal.ts";
export {
  displayName,
  type ErrorSummary,
  formatIngestReport,
  type IngestOptions,
  type IngestProgress,
  type IngestResult,
  ingestFile,
} from "./ingestFile.ts";
export { ingestStudyResponses } from "./ingestStudyResponses.ts";
export { listUploads } from "./listUploads.ts";
export { type ColumnMapping, mapColumns, normalizeLabel } from "./mapColumns.ts";
export { purgeExpiredRejects, REFUSED_REJECTS_DAYS } from "./purgeExpiredRejects.ts";
export {
  type RawColumnType,
  rawColumnTypes,
  rawItemColumns,
  rawTableName,
  registerStudy,
} from "./registerStudy.ts";
export { retractUpload } from "./retractUpload.ts";
