export { detectEncoding, detectFormat, type FileFormat } from "./detectFile.ts";
export { displayName } from "./displayName.ts";
export { exportRejects, rejectsNote, uploadEncoding } from "./exportRejects.ts";
export { formatIngestReport } from "./formatIngestReport.ts";
export type { IngestOptions, IngestProgress } from "./IngestOptions.ts";
export { IngestRefusal } from "./IngestRefusal.ts";
export type { ErrorSummary, IngestResult } from "./IngestResult.ts";
export { ingestFile } from "./ingestFile.ts";
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
