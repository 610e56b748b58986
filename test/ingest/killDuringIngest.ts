import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { closeDatabase, openDatabase } from "../../db/index.ts";
import { rawTableName } from "../../ingest/index.ts";

const CHILD = resolve(import.meta.dirname, "ingestChild.ts");
const ROOT = resolve(import.meta.dirname, "../..");

/** A valid file for the tiny study with `rows` rows, every 50th quarantined (unknown sex code). */
export function writeLargeFile(path: string, rows: number, idPrefix = "k"): void {
  const fd = openSync(path, "w");
  writeSync(fd, "rid,town,village,sex,age,aw_union,league,phone,name\n");
  let batch: string[] = [];
  for (let i = 1; i <= rows; i++) {
    batch.push(
      `${idPrefix}${i},T${(i % 2) + 1},V${(i % 2) * 2 + 1},${i % 50 === 0 ? 3 : (i % 2) + 1},${20 + (i % 60)},1,2,1380000${i},名${i}`,
    );
    if (batch.length === 10_000) {
      writeSync(fd, `${batch.join("\n")}\n`);
      batch = [];
    }
  }
  if (batch.length) writeSync(fd, `${batch.join("\n")}\n`);
  closeSync(fd);
}

export interface DbCounts {
  uploads: number;
  loaded: number;
  raw: number;
  quarantine: number;
  quarantine_rows: number;
}

/** Open the database file in this process, count what an upload writes, close it again. */
export async function countRows(dbPath: string): Promise<DbCounts> {
  const db = await openDatabase(dbPath);
  try {
    const one = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;
    return {
      uploads: await one("select count(*)::int as n from uploads"),
      loaded: await one("select count(*)::int as n from uploads where status = 'loaded'"),
      raw: await one(`select count(*)::int as n from ${rawTableName("tiny")}`),
      quarantine: await one("select count(*)::int as n from quarantine"),
      quarantine_rows: await one("select count(*)::int as n from quarantine_rows"),
    };
  } finally {
    await closeDatabase(db);
  }
}

function start(dbPath: string, studyDir: string, file: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx/esm", CHILD, dbPath, studyDir, file], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Run the child to the end; its stdout lines. */
export function runChild(dbPath: string, studyDir: string, file: string): Promise<string[]> {
  return new Promise((done, fail) => {
    const child = start(dbPath, studyDir, file);
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c));
    child.stderr!.on("data", (c: Buffer) => (err += c));
    child.on("exit", (code) =>
      code === 0 ? done(out.trim().split("\n")) : fail(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

/**
 * Start the child and SIGKILL it `afterMs` after it reports `phase` (or after it starts,
 * when phase is null). Resolves with the phases it reported before dying, and whether it
 * died before finishing.
 */
export function killChild(
  dbPath: string,
  studyDir: string,
  file: string,
  when: { phase: string | null; afterMs: number },
): Promise<{ phases: string[]; killed: boolean }> {
  return new Promise((done) => {
    const child = start(dbPath, studyDir, file);
    const phases: string[] = [];
    let finished = false;
    const kill = () => setTimeout(() => child.kill("SIGKILL"), when.afterMs);
    if (when.phase === null) kill();
    let buffer = "";
    child.stdout!.on("data", (c: Buffer) => {
      buffer += c;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("phase ")) {
          const phase = line.slice(6);
          phases.push(phase);
          if (phase === when.phase) kill();
        }
        if (line.startsWith("result ")) finished = true;
      }
    });
    child.on("exit", (_code, signal) => done({ phases, killed: signal === "SIGKILL" && !finished }));
  });
}
