import { existsSync, mkdirSync, statSync } from "node:fs";
import type { Database } from "../db/index.ts";
import { latestSnapshot, SqlSandbox, writeSnapshot } from "./sandbox/index.ts";

/** Relations analysts may query: marts, staging, intermediate and seeds of every study. Never raw or personal tables. */
const ANALYTICS =
  /^(stg_|int_|seed_|index_estimates__|index_scores__|published_scores__|upload_reports__|weighting_diagnostics__|calibration_margins__|sae_estimates__|sae_diagnostics__|theme_estimates__|theme_scores__|theme_examples__|open_answers_uncoded__)/;

/** Whether `name` is a relation analysts may read (marts, staging, intermediate, seeds). */
export function isAnalyticsRelation(name: string): boolean {
  return ANALYTICS.test(name);
}

export const snapshotDirOf = (db: Database) => `${db.path}.snapshots`;

/** Why the snapshot analysts read is behind the database, and as of when it is. */
export interface Staleness {
  reason: string;
  /** When the snapshot being read was written (ISO time). */
  as_of: string;
}

/**
 * The analytics snapshot and the SQL sandbox over it. After every model run the server
 * writes a new versioned snapshot file and switches the sandbox to it, so analysts' SQL never
 * touches the live database and never sees personal data.
 */
export class Analytics {
  readonly sandbox: SqlSandbox;
  readonly #db: Database;
  readonly #dir: string;
  #refreshing: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #stopped = false;
  #rebuilding = false;
  /** The sandbox has been started over a snapshot (start() got that far). */
  #ready = false;
  /** Set when a refresh after a model run failed (a full disk, say); cleared by the next good one. */
  #failure: string | undefined;

  constructor(db: Database, options: { timeoutMs?: number; maxRows?: number; memoryLimit?: string } = {}) {
    this.#db = db;
    this.#dir = snapshotDirOf(db);
    mkdirSync(this.#dir, { recursive: true });
    this.sandbox = new SqlSandbox({ snapshotDir: this.#dir, ...options });
  }

  /** Tables copied into a snapshot. */
  async relations(): Promise<string[]> {
    const rows = await this.#db.query<{ name: string }>(
      `select table_name as name from duckdb_tables() where schema_name = 'main' and not temporary
       union all
       select view_name as name from duckdb_views() where schema_name = 'main' and not internal and not temporary
       order by 1`,
    );
    return rows.map((r) => r.name).filter(isAnalyticsRelation);
  }

  /**
   * Start the sandbox over the newest snapshot, writing a fresh one first when a model run
   * finished after it (a run by the CLI while no server ran, or a crash between a run and its
   * snapshot).
   */
  async start(): Promise<void> {
    const latest = latestSnapshot(this.#dir);
    const [run] = await this.#db.query<{ at: number | null }>(
      "select epoch_ms(max(finished_at)) as at from model_runs where status = 'succeeded'",
    );
    const behind =
      latest && run?.at !== null && run?.at !== undefined && run.at > statSync(latest.path).mtimeMs;
    if (latest) {
      // analysts read the snapshot there is at once; a newer one replaces it when written
      await this.sandbox.start();
      this.#ready = true;
      if (behind) {
        this.#failure = "a model run finished after this snapshot was written; a new one is being written";
        await this.refresh();
      }
      return;
    }
    await this.#rebuild();
  }

  /**
   * No snapshot at all (never written, or deleted): write one while the server serves; SQL
   * and notebooks answer 503 "rebuilding" meanwhile (a large study takes a minute or more).
   */
  #rebuild(): Promise<void> {
    if (this.#rebuilding) return this.#refreshing;
    this.#rebuilding = true;
    const done = this.#refreshing
      .catch(() => undefined)
      .then(async () => {
        if (this.#stopped) return;
        await this.#write();
        await this.#waitOutLock(() => this.sandbox.start());
        this.#ready = true;
        this.#failure = undefined;
      })
      .finally(() => {
        this.#rebuilding = false;
      });
    this.#refreshing = done;
    return done;
  }

  /** True until the sandbox reads a snapshot, and while a missing one is rebuilt: SQL cannot answer. */
  get rebuilding(): boolean {
    return this.#rebuilding || !this.#ready;
  }

  /**
   * Before a query: when the snapshot file has gone (deleted by hand, a cleaned disk), start
   * writing a new one and say so; true when queries can run.
   */
  ensureSnapshot(): boolean {
    if (this.#rebuilding || !this.#ready) return false;
    const path = this.sandbox.snapshotPath;
    if (path && existsSync(path)) return true;
    if (this.#stopped) return true; // the sandbox answers "not running"
    this.#rebuild().catch((error: Error) => {
      this.#failure = error.message;
    });
    return false;
  }

  /** Whether analysts read figures older than the database's (a failed refresh), and since when. */
  staleness(): Staleness | undefined {
    if (!this.#failure) return undefined;
    const path = this.sandbox.snapshotPath;
    const at = path && existsSync(path) ? statSync(path).mtime.toISOString() : "";
    return { reason: this.#failure, as_of: at };
  }

  /**
   * A fresh snapshot after a model run. Refreshes are serialized; a refresh asked for while
   * another waits to start is that one (it will see this run's results too); a failed one does
   * not stop later ones. After stop() there are none.
   */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#queued) return this.#queued;
    const queued = this.#refreshing
      .catch(() => undefined)
      .then(async () => {
        this.#queued = undefined;
        if (this.#stopped) return;
        try {
          const { path } = await this.#write();
          await this.#switch(path);
          this.#failure = undefined;
        } catch (error) {
          this.#failure = (error as Error).message;
          throw error;
        }
      });
    this.#queued = queued;
    this.#refreshing = queued;
    return queued;
  }

  /** Point the sandbox at `path` (a lock conflict waited out, see #waitOutLock). */
  #switch(path: string): Promise<void> {
    return this.#waitOutLock(() => this.sandbox.switchSnapshot(path));
  }

  /**
   * Open a snapshot just written. DuckDB may release this process's hold on a file it just
   * wrote only when other transactions of the instance end (a model run, an ingest), so a
   * lock conflict is waited out, up to a minute, before it counts as a failure.
   */
  async #waitOutLock(open: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      try {
        await open();
        return;
      } catch (error) {
        const locked = /Could not set lock/.test((error as Error).message);
        if (!locked || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #write() {
    return writeSnapshot(this.#db, {
      dir: this.#dir,
      tables: await this.relations(),
      inUse: this.sandbox.snapshotPath ? [this.sandbox.snapshotPath] : [],
    });
  }

  /**
   * Stop the sandbox, after the refresh under way if any (stopping the child while it opens the
   * new snapshot would fail that refresh for nothing).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#refreshing.catch(() => undefined);
    await this.sandbox.stop();
  }
}
