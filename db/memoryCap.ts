import type { Database } from "./Database.ts";

/**
 * DuckDB's memory limit while ingesting, unless BAROMETER_MEMORY_LIMIT says otherwise. The
 * id counts and the insert's buffers fill it (the rest spills to disk), and the process
 * needs some 300-500 MB beside it (Node, DuckDB's per-thread state).
 */
export const INGEST_MEMORY_LIMIT = "384MB";

/**
 * Who holds the instance's memory limit. The limit is the DuckDB instance's, not a
 * connection's: a cap held by an ingest is also the limit of anything else the instance does
 * meanwhile, and a snapshot copy of the marts run under it can fail with "Out of Memory". So
 * the cap and work that needs the full limit (`withFullMemory`) exclude each other: caps may
 * overlap (counted: the first sets the cap, the last gives the previous limit back), full-memory
 * work may overlap, and a cap asked for while full-memory work waits goes after it.
 */
interface Gate {
  caps: number;
  full: number;
  fullWaiting: number;
  /** The limit before the first of the caps held now, in bytes (null: nothing to give back). */
  previous: number | null;
  /**
   * The limit this gate last gave back, as DuckDB then showed it and in bytes. DuckDB shows the
   * limit cut to one decimal ("1.8 GiB" for 2GB, and setting "1.8 GiB" shows "1.7 GiB"), so a
   * limit read back from what it shows would shrink by a step at every ingest.
   */
  restored: { shown: string; bytes: number } | null;
  /** Set while the first cap is being applied or the last one given back. */
  changing: Promise<void> | null;
  wake: Array<() => void>;
}

const gates = new WeakMap<Database, Gate>();

function gateOf(db: Database): Gate {
  let gate = gates.get(db);
  if (!gate) {
    gate = { caps: 0, full: 0, fullWaiting: 0, previous: null, restored: null, changing: null, wake: [] };
    gates.set(db, gate);
  }
  return gate;
}

/** Resolves at the next change of the gate; callers check their condition again after it. */
function changed(gate: Gate): Promise<void> {
  return new Promise<void>((resolve) => gate.wake.push(resolve));
}

function wakeAll(gate: Gate): void {
  for (const resolve of gate.wake.splice(0)) resolve();
}

/**
 * Keep memory bounded whatever the file size: the file is streamed, and what DuckDB keeps
 * (the id counts, the insert's buffers) spills to disk past its memory limit. This lowers the
 * instance's limit when it is higher (DuckDB's default is 80% of RAM) for the time of the
 * ingest; the function it returns gives the previous one back, so model runs and queries after
 * the ingest are not held to it. Waits while work that needs the full limit runs.
 */
export async function capMemory(db: Database): Promise<() => Promise<void>> {
  const wanted = process.env.BAROMETER_MEMORY_LIMIT ?? INGEST_MEMORY_LIMIT;
  const wantedBytes = sizeInBytes(wanted);
  if (wantedBytes === null) throw new Error(`BAROMETER_MEMORY_LIMIT: not a size: ${JSON.stringify(wanted)}`);
  const gate = gateOf(db);
  // checked and taken in one synchronous step: nothing can come between
  while (gate.full > 0 || gate.fullWaiting > 0 || gate.changing !== null) await changed(gate);
  gate.caps++;
  if (gate.caps === 1) {
    gate.changing = (async () => {
      const shown = await shownLimit(db);
      const bytes = gate.restored?.shown === shown ? gate.restored.bytes : sizeInBytes(shown);
      gate.previous = bytes !== null && bytes > wantedBytes ? bytes : null;
      if (gate.previous !== null) await db.run(`set memory_limit = '${wantedBytes}B'`);
    })();
    try {
      await gate.changing;
    } catch (error) {
      gate.caps--;
      throw error;
    } finally {
      gate.changing = null;
      wakeAll(gate);
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    gate.caps--;
    if (gate.caps === 0 && gate.previous !== null) {
      const previous = gate.previous;
      gate.previous = null;
      gate.changing = (async () => {
        // not RESET: DuckDB (1.x) then shows its default but its buffer manager keeps the cap,
        // so model runs after the first upload ran out of memory at 366 MiB (the million-row
        // bench). SET moves both; the bytes are those the limit showed before the cap (cut to
        // one decimal the first time: at most 0.1 of its unit lower, then the same every time)
        await db.run(`set memory_limit = '${previous}B'`);
        gate.restored = { shown: await shownLimit(db), bytes: previous };
      })();
      try {
        await gate.changing;
      } finally {
        gate.changing = null;
      }
    }
    wakeAll(gate);
  };
}

/**
 * Run `work` under the instance's own memory limit: after any ingest's cap is given back, and
 * with no new cap until it ends (a snapshot copy of the marts, which can need more than an
 * ingest's cap leaves).
 */
export async function withFullMemory<T>(db: Database, work: () => Promise<T>): Promise<T> {
  const gate = gateOf(db);
  gate.fullWaiting++;
  try {
    while (gate.caps > 0 || gate.changing !== null) await changed(gate);
  } finally {
    gate.fullWaiting--;
  }
  gate.full++;
  try {
    return await work();
  } finally {
    gate.full--;
    wakeAll(gate);
  }
}

/**
 * The limit DuckDB's buffer manager holds, as it shows it (the setting can differ from it after a
 * RESET, see above).
 */
async function shownLimit(db: Database): Promise<string> {
  const [row] = await db.query<{ limit: string }>("select memory_limit as limit from pragma_database_size()");
  return row?.limit ?? "";
}

/** "512MB", "488.2 MiB", "18.8 GiB" -> bytes; null when it is not a size. */
function sizeInBytes(text: string): number | null {
  const m = /^\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*$/i.exec(text);
  if (!m) return null;
  const power = " KMGT".indexOf(m[2]!.toUpperCase() || " ");
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}
