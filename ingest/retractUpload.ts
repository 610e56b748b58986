import type { Session } from "../db/index.ts";

/**
 * Withdraw a loaded upload. Its rows stay in the raw table for the history; staging drops
 * them. Its rejected rows' cells are deleted (the reasons and counts stay).
 */
export async function retractUpload(db: Session, uploadId: string, user: string): Promise<void> {
  const rows = await db.query<{ status: string }>("select status from uploads where upload_id = $1", [
    uploadId,
  ]);
  if (!rows[0]) throw new Error(`no upload ${uploadId}`);
  if (rows[0].status !== "loaded")
    throw new Error(`upload ${uploadId} is ${rows[0].status}; only a loaded upload can be retracted`);
  await db.run(
    "update uploads set status = 'retracted', retracted_at = now(), retracted_by = $2 where upload_id = $1",
    [uploadId, user],
  );
  await db.run("delete from quarantine_rows where upload_id = $1", [uploadId]);
}
