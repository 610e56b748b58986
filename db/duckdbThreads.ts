import type { Database } from "./Database.ts";

/**
 * Who holds the instance's DuckDB threads lowered (`withDuckdbThreads`). `threads` is a DuckDB
 * instance's setting (GLOBAL scope), not a connection's: holders may overlap (counted: the first
 * lowers it, the last gives the previous value back).
 */
interface Hold {
  holders: number;
  /** the threads before the first of the holders now, to give back (null: nothing to give back) */
  previous: number | null;
  /** set while the first holder lowers the threads or the last gives them back */
  changing: Promise<void> | null;
}

const holds = new WeakMap<Database, Hold>();

/**
 * Run `work` with DuckDB on at most `threads` threads (null: as it is). For a model run on data
 * small enough that a statement gains nothing from a second thread: DuckDB's idle workers spin
 * before they sleep, and on a machine of few cores the run's own compute threads (small-area
 * models, ranks, themes) and its main thread want those cores. Queries of other connections
 * meanwhile (pages, the SQL console) run on as many threads; they read marts, which are small.
 */
export async function withDuckdbThreads<T>(
  db: Database,
  threads: number | null,
  work: () => Promise<T>,
): Promise<T> {
  if (threads === null) return work();
  let hold = holds.get(db);
  if (!hold) {
    hold = { holders: 0, previous: null, changing: null };
    holds.set(db, hold);
  }
  const h = hold;
  // another holder's change, failed or not, is its own to report
  while (h.changing) await h.changing.catch(() => undefined);
  h.holders++;
  if (h.holders === 1) {
    h.changing = (async () => {
      const [row] = await db.query<{ threads: number }>(
        "select current_setting('threads')::integer as threads",
      );
      const now = Number(row?.threads);
      h.previous = Number.isFinite(now) && now > threads ? now : null;
      if (h.previous !== null) await db.run(`set threads = ${Math.max(1, Math.floor(threads))}`);
    })();
    try {
      await h.changing;
    } catch (error) {
      h.holders--;
      throw error;
    } finally {
      h.changing = null;
    }
  }
  try {
    return await work();
  } finally {
    h.holders--;
    if (h.holders === 0 && h.previous !== null) {
      const previous = h.previous;
      h.previous = null;
      h.changing = db.run(`set threads = ${previous}`).then(() => undefined);
      try {
        await h.changing;
      } finally {
        h.changing = null;
      }
    }
  }
}
