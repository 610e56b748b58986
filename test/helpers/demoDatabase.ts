import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll } from "vitest";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** What the demo database is made from: a change to any of these makes a new template. */
const SOURCES = [
  "analysis",
  "db",
  "ingest",
  "models",
  "study",
  "themes",
  "messages",
  "examples",
  "package-lock.json",
];
const TEMPLATES = join(tmpdir(), "barometer-test-templates");

function sourceHash(): string {
  const hash = createHash("sha256").update(`${ROOT}\n${DEMO_STUDY_DIR}\n`);
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
      return;
    }
    hash.update(`${path}\n`).update(readFileSync(path));
  };
  for (const source of SOURCES) walk(join(ROOT, source));
  return hash.digest("hex").slice(0, 24);
}

async function buildDemo(path: string): Promise<void> {
  const db = await openDatabase(path);
  const study = await loadStudy(DEMO_STUDY_DIR);
  await ingestStudyResponses(db, study, { user: "test", hmacKey: Buffer.from("test-key") });
  await runModels(db, study);
  await db.run("checkpoint");
  await closeDatabase(db);
}

/**
 * Templates of other versions of the code not read for three days (each is a demo database; a
 * file's access time moves at most daily under the usual relatime mount).
 */
function pruneTemplates(current: string): void {
  for (const name of readdirSync(TEMPLATES)) {
    const path = join(TEMPLATES, name);
    if (name === current || name.endsWith(".lock")) continue;
    const read = statSync(join(path, "demo.duckdb"), { throwIfNoEntry: false })?.atimeMs;
    if (read !== undefined && Date.now() - read > 3 * 86_400_000)
      rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The demo database, built once per version of the code (ingest and every model run take most
 * of a minute on a 2-core machine) and kept in the temp folder; test files that run at once
 * wait for the one that builds it (a lock folder; a lock older than 10 minutes is taken over).
 */
async function demoTemplate(): Promise<string> {
  const key = sourceHash();
  const file = join(TEMPLATES, key, "demo.duckdb");
  const lock = join(TEMPLATES, `${key}.lock`);
  mkdirSync(TEMPLATES, { recursive: true });
  for (;;) {
    if (existsSync(file)) return file;
    try {
      mkdirSync(lock);
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(250); // another test file is building it
      continue;
    }
    try {
      const building = join(lock, "demo.duckdb");
      await buildDemo(building);
      const done = mkdtempSync(join(TEMPLATES, `${key}-`));
      renameSync(building, join(done, "demo.duckdb"));
      renameSync(done, join(TEMPLATES, key));
      pruneTemplates(key);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * The copies this test file made: removed once its own after-hooks have closed them (vitest runs
 * after-hooks last-registered first, and this one is registered when the file imports the helper).
 * Each copy is the size of the demo database (about 500 MB with its write-ahead log), and CI's
 * disk filled once with copies left behind.
 */
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh database file with the demo study's three waves loaded and the models built. */
export async function demoDatabase(): Promise<{ db: Database; study: Study; dir: string }> {
  const template = await demoTemplate();
  const dir = mkdtempSync(join(tmpdir(), "barometer-demo-"));
  copies.push(dir);
  copyFileSync(template, join(dir, "demo.duckdb"));
  const db = await openDatabase(join(dir, "demo.duckdb"));
  const study = await loadStudy(DEMO_STUDY_DIR);
  return { db, study, dir };
}
