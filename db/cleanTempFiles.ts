import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The folder for the work files of the process that owns the database: uploads as they
 * arrive, and the ingest's numbered and transcoded copies. A killed upload leaves them here
 * (60 MB and more for a large file), not in the system's temp folder, so the next owner can
 * remove them.
 */
export const tempDirOf = (databasePath: string) => `${databasePath}.tmp`;

/**
 * Remove what a killed or failed process left beside the database: the work folder, and
 * release files written but never renamed (`<db>.releases/*.tmp`, read-only, which used to
 * make every later release of the wave fail). Only the process that owns the database (it
 * holds DuckDB's write lock) calls this, at start. Returns what was removed.
 */
export function cleanTempFiles(databasePath: string): string[] {
  const removed: string[] = [];
  const work = tempDirOf(databasePath);
  if (existsSync(work))
    for (const name of readdirSync(work)) {
      rmSync(join(work, name), { recursive: true, force: true });
      removed.push(join(work, name));
    }
  const releases = `${databasePath}.releases`;
  if (existsSync(releases))
    for (const name of readdirSync(releases).filter((n) => n.endsWith(".tmp"))) {
      rmSync(join(releases, name), { force: true });
      removed.push(join(releases, name));
    }
  return removed;
}
