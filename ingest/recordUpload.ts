import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import type { RowChecks } from "./checkRows.ts";
import { IngestRefusal } from "./IngestRefusal.ts";
import type { ErrorSummary } from "./IngestResult.ts";
import type { UploadPlan } from "./planUpload.ts";
import { recordQuarantine } from "./recordQuarantine.ts";
import { recordRefused } from "./recordRefused.ts";
import { rawTableName } from "./registerStudy.ts";
import { summarizeErrors } from "./summarizeErrors.ts";

/** What the upload's transaction recorded: the upload loaded, or refused with its rejected rows kept. */
export type Recorded =
  | { kind: "loaded"; rows: number; accepted: number; rejected: number; errors: ErrorSummary[] }
  | {
      kind: "refused";
      refusal: IngestRefusal;
      rows: number;
      accepted: number;
      rejected: number;
      errors: ErrorSummary[];
    };

/**
 * Record, once the rows have landed and no id repeats unknown: the quarantine and the
 * upload's row in `uploads`, with its counts, mapping and header. A file without data rows is
 * refused (IngestRefusal: nothing is kept); one whose every row was rejected is refused with
 * its rejected rows kept (recordRefused).
 */
export async function recordUpload(tx: Session, plan: UploadPlan, checks: RowChecks): Promise<Recorded> {
  const { rejected, validation } = checks;
  const [{ accepted }] = (await tx.query<{ accepted: number }>(
    `select count(*)::bigint as accepted from ${quoteIdent(rawTableName(plan.study.id))} where upload_id = $u`,
    { u: plan.uploadId },
  )) as [{ accepted: number }];
  const rows = accepted + rejected;
  if (rows === 0) throw new IngestRefusal("refuse.no_rows", { file: plan.file });
  if (accepted === 0)
    return recordRefused(
      tx,
      plan,
      checks,
      new IngestRefusal("refuse.all_rejected", { file: plan.file, count: rejected }),
      { rows, accepted, rejected },
    );
  await recordQuarantine(tx, plan.uploadId, validation.reasons);
  const { scan, read } = plan;
  await tx.run(
    `insert into uploads (upload_id, study_id, wave_id, file_name, sha256, size_bytes, format, encoding, delimiter,
       n_rows_read, n_accepted, n_rejected, status, replaces_upload_id, uploaded_by, column_mapping, header)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'loaded', $13, $14, $15, $16)`,
    [
      plan.uploadId,
      plan.study.id,
      plan.waveId,
      plan.file,
      scan.sha256,
      scan.size,
      scan.format,
      scan.encoding,
      read.delimiter,
      rows,
      accepted,
      rejected,
      plan.replace,
      plan.user,
      JSON.stringify(plan.mapping),
      JSON.stringify(read.header),
    ],
  );
  return { kind: "loaded", rows, accepted, rejected, errors: await summarizeErrors(tx, validation.reasons) };
}
