import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import type { Database } from "./Database.ts";
import { quoteIdent } from "./quoteIdent.ts";
import { secretSource, secretsFile } from "./secrets.ts";

/** A path as an SQL string literal: ATTACH takes no bound parameters (checked with DuckDB 1.5). */
function quoteLiteral(text: string): string {
  if (text.includes("\u0000")) throw new Error("a path with a NUL byte");
  return `'${text.replaceAll("'", "''")}'`;
}

export interface BackupManifest {
  created_at: string;
  source: string;
  database_file: string;
  files: { path: string; sha256: string }[];
  /**
   * Where the HMAC key of personal data is: "secrets.json" (in this backup, mode 600: keep the
   * backup as private as the key), or "environment" (BAROMETER_HMAC_KEY: not in the backup,
   * keep it with the backup yourself).
   */
  hmac_key: "secrets.json" | "environment" | "none";
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/**
 * A consistent copy of a database while it is in use: DuckDB copies every table, view and
 * sequence in one transaction (`COPY FROM DATABASE`), so the copy is one moment of the file.
 * Release files (immutable) are copied after it, with a manifest of checksums.
 */
export async function backupDatabase(db: Database, targetDir: string): Promise<BackupManifest> {
  if (existsSync(targetDir) && readdirSync(targetDir).length > 0)
    throw new Error(`backup folder ${targetDir} is not empty`);
  mkdirSync(targetDir, { recursive: true });
  const databaseFile = basename(db.path);
  const target = join(targetDir, databaseFile);
  await db.withSession(async (session) => {
    await session.run(`attach ${quoteLiteral(target)} as barometer_backup`);
    try {
      const [{ name }] = (await session.query<{ name: string }>("select current_database() as name")) as [
        { name: string },
      ];
      await session.run(`copy from database ${quoteIdent(name)} to barometer_backup`);
    } finally {
      await session.run("detach barometer_backup");
    }
  });
  const releases = `${db.path}.releases`;
  if (existsSync(releases)) cpSync(releases, `${target}.releases`, { recursive: true });
  // the keys live outside the database; without the HMAC key a restored database would
  // hash personal data with a new one (db/hmacKey.ts refuses that)
  const keySource = secretSource(db.path, "hmac");
  const secrets = existsSync(secretsFile(db.path));
  if (secrets) {
    copyFileSync(secretsFile(db.path), join(targetDir, "secrets.json"));
    chmodSync(join(targetDir, "secrets.json"), 0o600);
  }
  const files = [
    databaseFile,
    ...(secrets ? ["secrets.json"] : []),
    ...(existsSync(`${target}.releases`)
      ? readdirSync(`${target}.releases`).map((f) => join(`${databaseFile}.releases`, f))
      : []),
  ];
  const manifest: BackupManifest = {
    created_at: new Date().toISOString(),
    source: db.path,
    database_file: databaseFile,
    files: files.map((f) => ({ path: f, sha256: sha256(join(targetDir, f)) })),
    hmac_key: keySource ?? "none",
  };
  writeFileSync(join(targetDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Bring a backup back as a new database file (never over an existing one): checks every file
 * against the manifest first.
 */
export function restoreDatabase(backupDir: string, targetPath: string): BackupManifest {
  const manifestPath = join(backupDir, "manifest.json");
  if (!existsSync(manifestPath)) throw new Error(`${backupDir} has no manifest.json: not a Barometer backup`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as BackupManifest;
  for (const f of manifest.files) {
    const path = join(backupDir, f.path);
    if (!existsSync(path)) throw new Error(`backup file ${f.path} is missing`);
    if (sha256(path) !== f.sha256)
      throw new Error(`backup file ${f.path} does not match its checksum in manifest.json`);
  }
  if (existsSync(targetPath)) throw new Error(`${targetPath} exists; restore into a new file`);
  mkdirSync(join(targetPath, ".."), { recursive: true });
  const keys = join(backupDir, "secrets.json");
  const targetKeys = secretsFile(targetPath);
  if (existsSync(keys) && existsSync(targetKeys)) {
    const theirs = JSON.parse(readFileSync(targetKeys, "utf8")) as { hmac?: string };
    const ours = JSON.parse(readFileSync(keys, "utf8")) as { hmac?: string };
    if (theirs.hmac && ours.hmac && theirs.hmac !== ours.hmac)
      throw new Error(
        `${targetKeys} holds another HMAC key than this backup's secrets.json: restore into a folder of its own`,
      );
  }
  cpSync(join(backupDir, manifest.database_file), targetPath);
  if (existsSync(keys) && !existsSync(targetKeys)) {
    copyFileSync(keys, targetKeys);
    chmodSync(targetKeys, 0o600);
  }
  const releases = join(backupDir, `${manifest.database_file}.releases`);
  if (existsSync(releases)) cpSync(releases, `${targetPath}.releases`, { recursive: true });
  return manifest;
}
