import type { Database } from "../db/index.ts";
import {
  type ModelSteps,
  modelSteps,
  type RunResult,
  runDirectStep,
  runLaterStep,
  runModels,
} from "../models/index.ts";
import type { Study } from "../study/index.ts";
import type { Writer } from "./writer.ts";

/** The write-ahead log size at which DuckDB checkpoints by itself, in this server (see #deferCheckpoints). */
const DEFERRED_CHECKPOINT_AT = "256MB";

const seconds = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

/**
 * The model runs that bring committed uploads into the figures, after the upload has answered.
 * A run goes through the server's writer, so it never overlaps an upload, a retraction or a
 * release; runs asked for while one of the same study is still waiting to start are one run
 * (it will see every upload committed before it starts). The upload and its model run are two
 * transactions, as before: a crash between them is found at the next start
 * (`recoverModelRuns`), and the run's own row in `model_runs` says whether it failed and why.
 */
export class FiguresRefresher {
  readonly #db: Database;
  readonly #writer: Writer;
  readonly #log: (message: string) => void;
  /** Per study, the run that is queued and has not started yet. */
  readonly #waiting = new Map<string, Promise<string | null>>();
  /** Per study, how many asked-for runs have not finished. */
  readonly #open = new Map<string, number>();

  constructor(db: Database, writer: Writer, log: (message: string) => void) {
    this.#db = db;
    this.#writer = writer;
    this.#log = log;
  }

  /**
   * Run the study's models after everything the writer already holds. Resolves when a run that
   * started after this call has finished: null when it succeeded, else its error message (the
   * marts keep their last good state). Never rejects.
   *
   * Once a study's models have run, a run is two steps, each its own transaction through the
   * writer: the direct figures first (every model but the slow ones: small-area estimates, rank
   * intervals, open-answer themes, whose last state stays beside them), then those
   * (models/runInTwoSteps.ts). Pages and the figures endpoint say which are still updating. An
   * upload that comes between the steps goes first; its own run redoes both.
   */
  refresh(study: Study): Promise<string | null> {
    const waiting = this.#waiting.get(study.id);
    if (waiting) return waiting;
    this.#open.set(study.id, (this.#open.get(study.id) ?? 0) + 1);
    const failed = (error: unknown) => {
      const text = (error as Error).message;
      this.#log(`the models of ${study.id} failed after an upload: ${text}`);
      return text;
    };
    // the second step: queued from inside the direct one, so the writer is never idle between
    // them; an upload that came meanwhile is ahead of it in the queue, and its own run redoes both
    const laterStep = (steps: ModelSteps, first: RunResult) =>
      this.#writer.run(async () => {
        const newer = this.#waiting.get(study.id);
        if (newer) return { newer };
        try {
          const start = performance.now();
          await runLaterStep(this.#db, study, steps, first);
          this.#log(
            `${study.id}: the rest of the figures in ${seconds(start)} s (small-area, ranks, themes)`,
          );
          await this.#checkpoint();
          return null;
        } catch (error) {
          return failed(error);
        }
      });
    const run = this.#writer
      .run(async () => {
        // from here on, a new upload needs a run of its own
        this.#waiting.delete(study.id);
        try {
          await this.#deferCheckpoints();
          const steps = await modelSteps(this.#db, study);
          if (!steps) {
            await runModels(this.#db, study);
            await this.#checkpoint();
            return null;
          }
          const start = performance.now();
          const first = await runDirectStep(this.#db, study, steps);
          this.#log(`${study.id}: direct figures updated in ${seconds(start)} s; the rest follows`);
          return { second: laterStep(steps, first) };
        } catch (error) {
          return failed(error);
        }
      })
      .then(async (done) => {
        if (done === null || typeof done === "string") return done;
        const second = await done.second;
        return second !== null && typeof second === "object" ? second.newer : second;
      })
      .finally(() => {
        const n = (this.#open.get(study.id) ?? 1) - 1;
        if (n > 0) this.#open.set(study.id, n);
        else this.#open.delete(study.id);
      });
    this.#waiting.set(study.id, run);
    return run;
  }

  /**
   * A model run rewrites its marts: tens of megabytes of write-ahead log per step, over DuckDB's
   * default threshold (16 MB), so the direct step's commit would also checkpoint the database
   * (about 0.3 s on the demo) while the uploader waits for the figures. The threshold is raised
   * for this server's database, and the log is checkpointed after the later step instead, when
   * nobody waits for it (still through the writer, so no write of ours is running).
   */
  async #deferCheckpoints(): Promise<void> {
    if (this.#deferred) return;
    this.#deferred = true;
    await this.#db.run(`set wal_autocheckpoint = '${DEFERRED_CHECKPOINT_AT}'`);
  }
  #deferred = false;

  /** Checkpoint now; if DuckDB cannot (another transaction holds changes), the next run will. */
  async #checkpoint(): Promise<void> {
    try {
      await this.#db.run("checkpoint");
    } catch {
      // not an error: the log stays until the next checkpoint (or the threshold)
    }
  }

  /** Whether a run of the study is queued or running in this process. */
  busy(studyId: string): boolean {
    return this.#open.has(studyId);
  }
}
