import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, withDuckdbThreads } from "../../db/index.ts";
import { runModels } from "../../models/index.ts";
import type { Study } from "../../study/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// DuckDB's `threads` is the instance's setting: a model run on small data lowers it for its time
// and gives it back, also when runs overlap or fail.

let open: { db: Database; dir: string } | null = null;
let study: Study;
const saved = process.env.BAROMETER_DUCKDB_THREADS;

afterEach(async () => {
  if (saved === undefined) delete process.env.BAROMETER_DUCKDB_THREADS;
  else process.env.BAROMETER_DUCKDB_THREADS = saved;
  if (open) {
    await closeDatabase(open.db);
    rmSync(open.dir, { recursive: true, force: true });
    open = null;
  }
});

const threadsOf = async (db: Database): Promise<number> => {
  const [row] = await db.query<{ t: number }>("select current_setting('threads')::integer as t");
  return row!.t;
};

async function tiny(): Promise<Database> {
  const t = await tinyDatabase(40);
  open = { db: t.db, dir: t.dir };
  study = t.study;
  await t.db.run("set threads = 3");
  return t.db;
}

describe("withDuckdbThreads", () => {
  it("lowers the threads while held, overlapping holders included, and gives them back after the last", async () => {
    const db = await tiny();
    let held!: () => void;
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    let releaseFirst!: () => void;
    const released = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = withDuckdbThreads(db, 1, async () => {
      expect(await threadsOf(db)).toBe(1);
      held();
      await released;
      return "first";
    });
    await holding;
    // a second holder while the first holds: still one thread, and after the first ends too
    const second = withDuckdbThreads(db, 1, async () => {
      expect(await threadsOf(db)).toBe(1);
      releaseFirst();
      await first;
      expect(await threadsOf(db)).toBe(1);
      return "second";
    });
    expect(await Promise.all([first, second])).toEqual(["first", "second"]);
    expect(await threadsOf(db)).toBe(3);
  });

  it("gives the threads back when the work fails, and leaves them alone with null or a higher number", async () => {
    const db = await tiny();
    await expect(
      withDuckdbThreads(db, 2, async () => {
        expect(await threadsOf(db)).toBe(2);
        throw new Error("broken model");
      }),
    ).rejects.toThrow("broken model");
    expect(await threadsOf(db)).toBe(3);
    await withDuckdbThreads(db, null, async () => expect(await threadsOf(db)).toBe(3));
    await withDuckdbThreads(db, 8, async () => expect(await threadsOf(db)).toBe(3));
    expect(await threadsOf(db)).toBe(3);
  });
});

describe("a model run's DuckDB threads", () => {
  /** the threads a query on another connection sees while the run builds its first models */
  async function duringRun(db: Database): Promise<number> {
    let seen: Promise<number> | undefined;
    await runModels(db, study, {
      onProgress: () => {
        seen ??= threadsOf(db);
      },
    });
    return seen!;
  }

  it("holds a small study's run to one thread, and the instance's threads come back after it", async () => {
    const db = await tiny();
    expect(await duringRun(db)).toBe(1);
    expect(await threadsOf(db)).toBe(3);
  });

  it("BAROMETER_DUCKDB_THREADS sets them for the run; not a number is refused by name", async () => {
    const db = await tiny();
    process.env.BAROMETER_DUCKDB_THREADS = "2";
    expect(await duringRun(db)).toBe(2);
    expect(await threadsOf(db)).toBe(3);
    process.env.BAROMETER_DUCKDB_THREADS = "many";
    await expect(duringRun(db)).rejects.toThrow(/BAROMETER_DUCKDB_THREADS.*"many"/);
    expect(await threadsOf(db)).toBe(3);
  });
});
