import type { Database } from "../db/index.ts";
import { failInterruptedRuns, pendingModelRuns, runModels } from "../models/index.ts";
import { loadStudy } from "../study/index.ts";
import type { Writer } from "./writer.ts";

/**
 * At start: fail the runs a killed process left `running`, and run the models of every study
 * with uploads (or retractions) its marts do not reflect yet, one at a time through the
 * server's writer (uploads that arrive meanwhile queue behind). A study that fails again is
 * logged and left for the next start or upload; the others still run.
 */
export async function recoverModelRuns(
  db: Database,
  writer: Writer,
  log: (message: string) => void,
): Promise<string[]> {
  const done: string[] = [];
  const interrupted = await writer.run(() => failInterruptedRuns(db));
  if (interrupted) log(`${interrupted} model run(s) were interrupted by a stop; running them again`);
  for (const pending of await pendingModelRuns(db)) {
    try {
      const study = await loadStudy(pending.study_dir);
      log(
        `running the models of ${pending.study_id}: ${pending.upload_ids.length} upload(s) not yet in its figures`,
      );
      await writer.run(() => runModels(db, study));
      done.push(pending.study_id);
    } catch (error) {
      log(`the models of ${pending.study_id} could not be run at start: ${(error as Error).message}`);
    }
  }
  return done;
}
