import { existsSync } from "node:fs";
import { basename } from "node:path";
import { readServerLock } from "../db/serverLock.ts";
import { latestSnapshot } from "../server/sandbox/latestSnapshot.ts";
import { CliError } from "./CliError.ts";
import { databasePath } from "./context.ts";
import { log } from "./log.ts";

/**
 * The file a read command (sql, estimate --table, notebook render) reads: the database itself,
 * or, while `barometer serve` holds it (DuckDB allows no other process in), the server's
 * newest analytics snapshot, read-only: the marts, staging and seeds as of the last model run.
 */
export function readablePath(options: { db?: string }): { path: string; snapshot: boolean } {
  const path = databasePath(options);
  if (!existsSync(path))
    throw new CliError(
      `no database at ${path} (run \`barometer demo\` or \`barometer ingest\` first, or pass --db)`,
    );
  const server = readServerLock(path);
  if (!server) return { path, snapshot: false };
  const latest = latestSnapshot(`${path}.snapshots`);
  if (!latest)
    throw new CliError(
      `barometer serve (pid ${server.pid}) holds ${path} and has written no analytics snapshot yet; try again in a minute`,
    );
  log(
    `barometer serve (pid ${server.pid}) holds ${basename(path)}: reading its analytics snapshot ${basename(latest.path)} ` +
      "(marts, staging and seeds as of the last model run)",
  );
  return { path: latest.path, snapshot: true };
}

/** What to add to a "no such table" error while reading the snapshot. */
export const SNAPSHOT_HINT =
  " (while barometer serve runs, the CLI reads its analytics snapshot: marts, staging and seeds only; stop the server to read other tables)";
