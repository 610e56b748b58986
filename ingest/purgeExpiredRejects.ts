import type { Database, Session } from "../db/index.ts";

/** How long the rejected rows of an upload refused as a whole stay downloadable. */
export const REFUSED_REJECTS_DAYS = 7;

/** Delete the rejected rows (cells, reasons) of refused uploads kept past their expiry. */
export async function purgeExpiredRejects(db: Database | Session): Promise<void> {
  const expired = "select upload_id from refused_uploads where expires_at <= now()";
  await db.run(`delete from quarantine_rows where upload_id in (${expired})`);
  await db.run(`delete from quarantine where upload_id in (${expired})`);
  await db.run("delete from refused_uploads where expires_at <= now()");
}
