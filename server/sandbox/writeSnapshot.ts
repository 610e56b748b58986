import { existsSync, linkSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Database, quoteIdent, withFullMemory } from "../../db/index.ts";
import { listSnapshots, type SnapshotFile, snapshotName } from "./latestSnapshot.ts";

export interface WriteSnapshotOptions {
  /** Where the versioned files live. */
  dir: string;
  /**
   * Relations of the main database to copy, as tables of the same name: marts and staging,
   * chosen by the caller. Never raw upload tables or anything with personal data: the
   * snapshot is what analysts' SQL can see, all of it.
   */
  tables: readonly string[];
  /** How many of the newest snapshots to keep (default 3, at least 1). */
  keep?: number;
  /** Snapshot paths still open somewhere (the running sandbox's): never deleted. */
  inUse?: readonly string[];
}

/** Temp files of writes that never finished, older than this, are removed when pruning. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Write a new analytics snapshot: a separate DuckDB file `analytics-<version>.duckdb` in
 * `dir` holding copies of `tables`, for the SQL sandbox to open read-only.
 *
 * The copy is made from the main instance (ATTACH a new file, CREATE TABLE ... AS SELECT,
 * DETACH), so the main file is never opened twice in this process. The file is written
 * under a temp name and only then linked to its final name, which fails rather than
 * overwrites if another writer took that version: a crash leaves at most a temp file, never
 * a half snapshot that looks complete. Older snapshots beyond `keep` are then deleted.
 *
 * @example
 *   const { path } = await writeSnapshot(db, { dir: "data/snapshots", tables: ["index_estimates"] });
 *   await sandbox.switchSnapshot(path);
 */
export async function writeSnapshot(db: Database, options: WriteSnapshotOptions): Promise<SnapshotFile> {
  // no tables (a database whose models never ran: the server starts before the first upload)
  // gives an empty snapshot, which the SQL console shows as no relations
  if (new Set(options.tables).size !== options.tables.length) {
    throw new Error(`writeSnapshot: a table is listed twice: ${options.tables.join(", ")}`);
  }
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const version = (listSnapshots(dir).at(-1)?.version ?? 0) + 1;
    const path = join(dir, snapshotName(version));
    const temp = join(dir, `.${snapshotName(version)}.${process.pid}.${Date.now()}.tmp`);
    const alias = `snapshot_write_${process.pid}_${version}`;
    try {
      // One connection of its own, closed when done, so nothing else in this process keeps
      // a hold on the new file (the sandbox child must lock it); one transaction, so every
      // table is copied from the same committed state of the models. Under the instance's own
      // memory limit: an ingest's lower cap, which is the whole instance's, can be too little
      // for the copy, so the copy waits for the ingest to end (and an ingest for the copy).
      await withFullMemory(db, () =>
        db.withSession(async (session) => {
          // ATTACH takes no bound parameters; the path is ours, quoted as a literal
          await session.run(`attach ${quoteLiteral(temp)} as ${quoteIdent(alias)}`);
          try {
            await session.transaction(async (tx) => {
              for (const table of options.tables) {
                await tx.run(
                  `create table ${quoteIdent(alias)}.main.${quoteIdent(table)} as select * from main.${quoteIdent(table)}`,
                );
              }
            });
          } finally {
            await session.run(`detach ${quoteIdent(alias)}`);
          }
        }),
      );
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && attempt < 5) continue;
      throw new Error(`could not write the analytics snapshot ${path}: ${(error as Error).message}`);
    } finally {
      removeDatabaseFiles(temp);
    }
    pruneSnapshots(dir, Math.max(1, options.keep ?? 3), options.inUse ?? []);
    return { path, version };
  }
}

function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error(`path contains a NUL byte: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}

function removeDatabaseFiles(path: string): void {
  for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
}

function pruneSnapshots(dir: string, keep: number, inUse: readonly string[]): void {
  const protectedPaths = new Set(inUse.map((p) => resolve(p)));
  const all = listSnapshots(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    if (!protectedPaths.has(old.path)) removeDatabaseFiles(old.path);
  }
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!/^\.analytics-.*\.tmp(?:\.wal)?$/.test(name)) continue;
    const file = join(dir, name);
    if (existsSync(file) && now - statSync(file).mtimeMs > STALE_TEMP_MS) rmSync(file, { force: true });
  }
}
