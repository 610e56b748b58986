import type { Database } from "../db/index.ts";

/**
 * DuckDB's memory limit while ingesting, unless BAROMETER_MEMORY_LIMIT says otherwise. The
 * id counts and the insert's buffers fill it (the rest spills to disk), and the process
 * needs some 300-500 MB beside it (Node, DuckDB's per-thread state).
 */
export const INGEST_MEMORY_LIMIT = "384MB";

/**
 * Keep memory bounded whatever the file size: the file is streamed, and what DuckDB keeps
 * (the id counts, the insert's buffers) spills to disk past its memory
 * limit. The limit is per DuckDB instance, so this lowers the instance's limit when it is
 * higher (DuckDB's default is 80% of RAM) for the time of the ingest, and gives the previous
 * one back after.
 */
export async function capMemory(db: Database): Promise<() => Promise<void>> {
  const wanted = process.env.BAROMETER_MEMORY_LIMIT ?? INGEST_MEMORY_LIMIT;
  const wantedBytes = sizeInBytes(wanted);
  if (wantedBytes === null) throw new Error(`BAROMETER_MEMORY_LIMIT: not a size: ${JSON.stringify(wanted)}`);
  const [row] = await db.query<{ limit: string }>("select current_setting('memory_limit') as limit");
  const current = sizeInBytes(row?.limit ?? "");
  if (current !== null && current <= wantedBytes) return async () => {};
  await db.run(`set memory_limit = '${wantedBytes}B'`);
  // the limit is the instance's: give the previous one back, so model runs and queries after
  // the ingest are not held to it
  return async () => {
    if (current !== null) await db.run(`set memory_limit = '${current}B'`);
  };
}

/** "512MB", "488.2 MiB", "18.8 GiB" -> bytes; null when it is not a size. */
function sizeInBytes(text: string): number | null {
  const m = /^\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*$/i.exec(text);
  if (!m) return null;
  const power = " KMGT".indexOf(m[2]!.toUpperCase() || " ");
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}
