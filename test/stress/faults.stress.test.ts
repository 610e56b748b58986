import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { createRelease, listReleases, readRelease, runModels } from "../../models/index.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// kill -9 during a model run and during a release, at several moments: on restart the
// database opens, the marts are the last good ones, no partial release is visible, the
// previous release is intact, and the interrupted command succeeds when run again.
const CHILD = join(import.meta.dirname, "faultChild.ts");
const MOMENTS_MS = [150, 400, 800, 1300, 2000];

let base: string;
let study: Study;

beforeAll(async () => {
  let db: Database;
  let dir: string;
  ({ db, study, dir } = await demoDatabase());
  await createRelease(db, study, "2026", "tester");
  await closeDatabase(db);
  base = join(dir, "demo.duckdb");
}, 300_000);

/** A copy of the prepared database for one kill. */
function copyOf(name: string): string {
  const path = join(base, "..", `${name}.duckdb`);
  copyFileSync(base, path);
  if (existsSync(`${base}.wal`)) copyFileSync(`${base}.wal`, `${path}.wal`);
  cpSync(`${base}.releases`, `${path}.releases`, { recursive: true });
  return path;
}

async function killAfter(mode: "run" | "release", path: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx/esm", CHILD, mode, path], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) setTimeout(() => child.kill("SIGKILL"), ms);
    });
    child.on("exit", () => resolve());
    child.on("error", reject);
  });
}

async function state(db: Database) {
  const q = async (sql: string) => db.query<{ n?: number; s: number }>(sql);
  return {
    scores: await q(
      "select count(*)::int as n, sum(estimate_0_100) as s from index_scores__mass_org_evaluation",
    ),
    weights: await q("select sum(weight) as s from int_responses_calibrated__mass_org_evaluation"),
  };
}

describe("kill -9", () => {
  for (const ms of MOMENTS_MS) {
    it(`during a model run, ${ms} ms in: the last good marts stay and a rerun succeeds`, async () => {
      const path = copyOf(`run-${ms}`);
      let db = await openDatabase(path);
      const before = await state(db);
      await closeDatabase(db);
      await killAfter("run", path, ms);
      db = await openDatabase(path);
      try {
        expect(await state(db)).toEqual(before);
        await runModels(db, study);
        // the rerun rebuilds the same figures (sums equal up to the order DuckDB adds in)
        const after = await state(db);
        expect(after.scores[0]!.n).toBe(before.scores[0]!.n);
        expect(Number(after.scores[0]!.s)).toBeCloseTo(Number(before.scores[0]!.s), 6);
        expect(Number(after.weights[0]!.s)).toBeCloseTo(Number(before.weights[0]!.s), 6);
      } finally {
        await closeDatabase(db);
      }
    });

    it(`during a release, ${ms} ms in: no partial release, the previous one intact, a rerun succeeds`, async () => {
      const path = copyOf(`release-${ms}`);
      await killAfter("release", path, ms);
      const db = await openDatabase(path);
      try {
        const releases = await listReleases(db);
        // every release the database records reads back with a matching checksum
        for (const r of releases) expect((await readRelease(db, r.release_id)).record.sha256).toBe(r.sha256);
        expect(releases[0]!.release_id).toBe("mass_org_evaluation-2026-r1");
        const next = await createRelease(db, study, "2026", "tester");
        expect(next.release_id).toBe(`mass_org_evaluation-2026-r${releases.length + 1}`);
        expect((await readRelease(db, next.release_id)).record.n_rows).toBe(next.n_rows);
        const files = readdirSync(`${path}.releases`).filter((f) => f.endsWith(".json"));
        expect(files.length).toBe(releases.length + 1);
      } finally {
        await closeDatabase(db);
      }
    });
  }
});
