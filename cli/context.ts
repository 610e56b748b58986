import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  cleanTempFiles,
  type Database,
  defaultDatabasePath,
  hmacKey,
  openDatabase,
  packageRoot,
  readServerLock,
  tempDirOf,
} from "../db/index.ts";
import type { Study } from "../study/index.ts";
import { CliError } from "./CliError.ts";

// the sources' copy, also when the command runs from dist/ (the path is stored in the database)
export const DEMO_STUDY_DIR = join(packageRoot(import.meta.dirname), "examples/mass-org-evaluation");
export const SITES_DEMO_DIR = join(packageRoot(import.meta.dirname), "examples/demonstration-sites");

/** The database path from --db, else BAROMETER_DB, else ./data/barometer.duckdb. */
export function databasePath(options: { db?: string }): string {
  return options.db ? resolve(options.db) : defaultDatabasePath();
}

/**
 * Open the database for a command that writes. One writing process per file: when a running
 * `barometer serve` holds it, say so plainly instead of failing on DuckDB's lock.
 */
export async function openForWrite(options: { db?: string }): Promise<Database> {
  const path = databasePath(options);
  const server = readServerLock(path);
  if (server) {
    throw new CliError(
      `barometer serve (pid ${server.pid}) holds ${path}. Upload through it at ${server.url}/upload or its API, ` +
        "or stop it first: DuckDB allows one writing process per database file.",
    );
  }
  let db: Database;
  try {
    db = await openDatabase(path);
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
  // this process owns the file now (DuckDB's write lock): what a killed one left can go
  mkdirSync(tempDirOf(path), { recursive: true });
  for (const file of cleanTempFiles(path))
    process.stderr.write(`removed ${file}, left by a stopped process\n`);
  return db;
}

/**
 * Open the database read-only. With `snapshot`, a running server's analytics snapshot is read
 * instead when the server holds the file (cli/readablePath.ts).
 */
export async function openForRead(
  options: { db?: string },
  how: { snapshot?: boolean } = {},
): Promise<Database> {
  if (how.snapshot) {
    const { readablePath } = await import("./readablePath.ts");
    const source = readablePath(options);
    if (source.snapshot) return openDatabase(source.path, { readOnly: true, migrate: false });
  }
  const path = databasePath(options);
  if (!existsSync(path))
    throw new CliError(
      `no database at ${path} (run \`barometer demo\` or \`barometer ingest\` first, or pass --db)`,
    );
  try {
    return await openDatabase(path, { readOnly: true });
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
}

/** --study takes a study folder, or the id of a study already registered in the database. */
export async function resolveStudy(study: string, db?: Database): Promise<Study> {
  const asDir = resolve(study);
  let dir: string | undefined = existsSync(join(asDir, "study.yaml")) ? asDir : undefined;
  if (!dir && db) {
    const rows = await db.query<{ study_dir: string }>("select study_dir from studies where study_id = $1", [
      study,
    ]);
    dir = rows[0]?.study_dir;
  }
  if (!dir && study === "mass_org_evaluation") dir = DEMO_STUDY_DIR;
  if (!dir)
    throw new CliError(
      `--study ${study}: neither a folder with study.yaml nor a study registered in the database`,
    );
  try {
    // loaded here, not at the top: commands that read no study start without Excel and YAML
    const { loadStudy } = await import("../study/index.ts");
    return await loadStudy(dir);
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
}

/** The database's HMAC key, checked against its recorded fingerprint (a mismatch is a CliError). */
export async function hmacKeyOf(db: Database): Promise<Buffer> {
  try {
    return await hmacKey(db);
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
}
