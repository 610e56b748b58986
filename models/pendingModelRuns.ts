import type { Session } from "../db/index.ts";

/**
 * Studies whose marts miss committed changes: an upload loaded (or retracted) after the start
 * of the study's last successful model run, or a run left `running` by a process that died.
 * An upload and the model run after it are two transactions (a model run rebuilds every mart
 * and may take minutes), so a crash between them leaves loaded rows the figures do not have;
 * the server finds them here at start and runs the models again.
 */
export interface PendingStudy {
  study_id: string;
  study_dir: string;
  /** Uploads (or retractions) the marts do not reflect. */
  upload_ids: string[];
  interrupted_runs: number;
}

const LAST_GOOD = `select study_id, max(started_at) as started_at from model_runs
  where status = 'succeeded' group by study_id`;

export async function pendingModelRuns(db: Session): Promise<PendingStudy[]> {
  return db.query<PendingStudy>(
    `with last_good as (${LAST_GOOD}),
     changed as (
       select u.study_id, list(u.upload_id order by u.uploaded_at) as upload_ids
       from uploads u left join last_good g using (study_id)
       where g.started_at is null
          or u.uploaded_at >= g.started_at
          or (u.retracted_at is not null and u.retracted_at >= g.started_at)
       group by u.study_id
     ),
     interrupted as (
       select study_id, count(*)::integer as n from model_runs where status = 'running' group by study_id
     )
     select s.study_id, s.study_dir, coalesce(c.upload_ids, []) as upload_ids, coalesce(i.n, 0) as interrupted_runs
     from studies s left join changed c using (study_id) left join interrupted i using (study_id)
     where c.study_id is not null or i.study_id is not null
     order by s.study_id`,
  );
}

/** Uploads of a study whose figures are still to come (for the upload history). */
export async function uploadsWithFiguresPending(db: Session, studyId: string): Promise<Set<string>> {
  const pending = (await pendingModelRuns(db)).find((p) => p.study_id === studyId);
  return new Set(pending?.upload_ids ?? []);
}

/**
 * Runs a dead process left `running` are failed, with a message saying so. Only the process
 * that owns the database calls this, at start, before it runs anything.
 */
export async function failInterruptedRuns(db: Session): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "select count(*)::integer as n from model_runs where status = 'running'",
  );
  await db.run(
    `update model_runs set status = 'failed', finished_at = now(),
       message = 'interrupted: the process stopped during the run (rerun at the next start)'
     where status = 'running'`,
  );
  return rows[0]?.n ?? 0;
}
