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

/**
 * Which figures: `all` (every mart: the default, and what a restart completes) or `direct` (the
 * direct figures, published first after an upload; small-area estimates, rank intervals and
 * open-answer themes follow: see runInTwoSteps). A run's `data_as_of` says which uploads its figures hold.
 */
export type Figures = "all" | "direct";

const lastGood = (figures: Figures) => `select study_id, max(data_as_of) as started_at from model_runs
  where status = 'succeeded' and scope in ('all', '${figures === "all" ? "later" : "direct"}')
  group by study_id`;

export async function pendingModelRuns(db: Session, figures: Figures = "all"): Promise<PendingStudy[]> {
  return db.query<PendingStudy>(
    `with last_good as (${lastGood(figures)}),
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

/** Uploads of a study whose figures (all, or the direct ones) are still to come (for the upload history). */
export async function uploadsWithFiguresPending(
  db: Session,
  studyId: string,
  figures: Figures = "all",
): Promise<Set<string>> {
  const pending = (await pendingModelRuns(db, figures)).find((p) => p.study_id === studyId);
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

/** Where an upload's figures stand, from the database alone (see the server's status endpoint). */
export interface UploadFigures {
  study_id: string;
  /** The marts do not reflect the upload yet (all of them). */
  pending: boolean;
  /** The direct figures do not reflect it yet (they come first; the model-based ones follow). */
  directPending: boolean;
  /** The study's latest model run that started after the upload, if any. */
  last_run: { run_id: string; status: "running" | "succeeded" | "failed"; message: string | null } | null;
}

/** Null when there is no such upload (a refused upload never reaches the figures). */
export async function uploadFigures(db: Session, uploadId: string): Promise<UploadFigures | null> {
  const [row] = await db.query<{
    study_id: string;
    run_id: string | null;
    status: "running" | "succeeded" | "failed" | null;
    message: string | null;
  }>(
    `select u.study_id, r.run_id, r.status, r.message
     from uploads u
     left join (
       select * from model_runs
       qualify row_number() over (partition by study_id order by started_at desc) = 1
     ) r on r.study_id = u.study_id and r.started_at >= coalesce(u.retracted_at, u.uploaded_at)
     where u.upload_id = $1`,
    [uploadId],
  );
  if (!row) return null;
  const pending = (await uploadsWithFiguresPending(db, row.study_id)).has(uploadId);
  const directPending =
    pending && (await uploadsWithFiguresPending(db, row.study_id, "direct")).has(uploadId);
  return {
    study_id: row.study_id,
    pending,
    directPending,
    last_run: row.run_id ? { run_id: row.run_id, status: row.status!, message: row.message } : null,
  };
}
