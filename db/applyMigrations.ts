import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./Database.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered migrations shipped with this version: `NNN_name.sql`, in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.slice(4, -4),
      sql: readFileSync(join(dir, f), "utf8"),
    }));
}

/**
 * Apply the migrations the file has not seen, each in its own transaction, and record them
 * in `schema_migrations`. A file from a newer Barometer (unknown versions) is refused.
 */
export async function applyMigrations(db: Database): Promise<number[]> {
  await db.run(
    `create table if not exists schema_migrations (
       version integer primary key, name varchar not null, applied_at timestamptz not null default now())`,
  );
  const done = new Set(
    (await db.query<{ version: number }>("select version from schema_migrations")).map((r) => r.version),
  );
  const known = listMigrations();
  const newest = Math.max(0, ...known.map((m) => m.version));
  const unknown = [...done].filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new Error(
      `${db.path} was written by a newer Barometer (schema migration ${Math.max(...unknown)}; this version knows up to ${newest}). Upgrade Barometer.`,
    );
  }
  const applied: number[] = [];
  for (const m of known) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await tx.run(m.sql);
      await tx.run("insert into schema_migrations (version, name) values ($1, $2)", [m.version, m.name]);
    });
    applied.push(m.version);
  }
  return applied;
}
