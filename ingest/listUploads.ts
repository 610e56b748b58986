import type { Session } from "../db/index.ts";

/** Every upload of every study, oldest first: `barometer upload list`, on the file or through the server. */
export function listUploads(db: Session): Promise<Record<string, unknown>[]> {
  return db.query(
    `select upload_id, study_id, wave_id, file_name, status, n_rows_read, n_accepted, n_rejected,
       uploaded_by, uploaded_at::varchar as uploaded_at
     from uploads order by uploaded_at`,
  );
}
