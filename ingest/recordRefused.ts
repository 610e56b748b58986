import type { Session } from "../db/index.ts";
import type { RowChecks } from "./checkRows.ts";
import { IngestRefusal } from "./IngestRefusal.ts";
import type { UploadPlan } from "./planUpload.ts";
import { REFUSED_REJECTS_DAYS } from "./purgeExpiredRejects.ts";
import { recordQuarantine } from "./recordQuarantine.ts";
import type { Recorded } from "./recordUpload.ts";
import { summarizeErrors } from "./summarizeErrors.ts";
import { usedParams } from "./usedParams.ts";

/**
 * Record a file refused as a whole for its rows (strict mode, or every row rejected):
 * nothing lands (a superseded upload is loaded again), and its rejected rows (masked like
 * every quarantined row) are kept for REFUSED_REJECTS_DAYS under the upload id, to download
 * and fix.
 */
export async function recordRefused(
  tx: Session,
  plan: UploadPlan,
  checks: RowChecks,
  why: IngestRefusal,
  counts: { rows: number; accepted: number; rejected: number },
): Promise<Recorded> {
  if (plan.replace) await tx.run("update uploads set status = 'loaded' where upload_id = $1", [plan.replace]);
  await recordQuarantine(tx, plan.uploadId, checks.validation.reasons);
  await tx.run(
    `insert into refused_uploads (upload_id, study_id, wave_id, file_name, header, reason_code,
       n_rows_read, n_rejected, refused_by, encoding, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + to_days(${REFUSED_REJECTS_DAYS}))`,
    [
      plan.uploadId,
      plan.study.id,
      plan.waveId,
      plan.file,
      JSON.stringify(plan.read.header),
      why.code,
      counts.rows,
      counts.rejected,
      plan.user,
      plan.scan.encoding,
    ],
  );
  return {
    kind: "refused",
    refusal: why,
    ...counts,
    errors: await summarizeErrors(tx, checks.validation.reasons),
  };
}

/**
 * Strict mode, and a row failed: the file is refused with its rejected rows kept; the result
 * still says how many rows the file has (one more read of it).
 */
export async function refuseStrict(tx: Session, plan: UploadPlan, checks: RowChecks): Promise<Recorded> {
  const { read } = plan;
  const [counted] = await tx.query<{ n: number }>(
    `select count(*)::bigint as n from ${read.plainSource}`,
    usedParams(read.params, read.plainSource),
  );
  const rows = counted?.n ?? 0;
  const { rejected } = checks;
  const why = new IngestRefusal("refuse.strict", { file: plan.file, count: rejected });
  return recordRefused(tx, plan, checks, why, { rows, accepted: rows - rejected, rejected });
}
