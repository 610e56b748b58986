import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { capMemory, closeDatabase, type Database, openDatabase, withFullMemory } from "../../db/index.ts";
import { listSnapshots, writeSnapshot } from "../../server/sandbox/index.ts";

// A real DuckDB file. The memory limit is the instance's: an ingest's cap must not be the limit
// of a snapshot copy running beside it (CI once failed a copy with "Out of Memory ... 366.2 MiB",
// the 384MB ingest cap), and overlapping caps must give the instance its own limit back.

let dir: string;
let db: Database;
const saved = process.env.BAROMETER_MEMORY_LIMIT;

/**
 * The limit DuckDB's buffer manager holds. DuckDB's RESET shows the default in the setting while
 * the buffer manager keeps the cap, so every check also asks that the two agree.
 */
const limit = async (): Promise<string> => {
  const [row] = await db.query<{ setting: string; held: string }>(
    "select current_setting('memory_limit') as setting, (select memory_limit from pragma_database_size() limit 1) as held",
  );
  expect(row!.setting).toBe(row!.held);
  return row!.held;
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-memcap-"));
  db = await openDatabase(join(dir, "t.duckdb"), { migrate: false });
  await db.run("set memory_limit = '2GiB'");
});

afterEach(async () => {
  if (saved === undefined) delete process.env.BAROMETER_MEMORY_LIMIT;
  else process.env.BAROMETER_MEMORY_LIMIT = saved;
  await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe("the ingest's memory cap", () => {
  it("overlapping caps set the cap once and give the previous limit back after the last", async () => {
    const full = await limit();
    const first = await capMemory(db);
    const capped = await limit();
    expect(capped).not.toBe(full);
    const second = await capMemory(db);
    await first();
    expect(await limit()).toBe(capped); // the second ingest still runs
    await second();
    expect(await limit()).toBe(full);
    await second(); // a second call gives nothing back twice
    expect(await limit()).toBe(full);
  });

  it("gives the same limit back after every ingest, whatever DuckDB shows of it", async () => {
    // DuckDB shows 2GB as "1.8 GiB", and "1.8 GiB" set again shows "1.7 GiB": a limit read
    // back from what is shown shrank by a step at every upload of a long-running server
    await db.run("set memory_limit = '2GB'");
    const shown: string[] = [];
    for (let i = 0; i < 4; i++) {
      const release = await capMemory(db);
      await release();
      shown.push(await limit());
    }
    expect(new Set(shown).size).toBe(1);
    expect(shown[0]).toMatch(/^1\.[78] GiB$/);
  });

  it("gives DuckDB's default back to its buffer manager, not only to the setting", async () => {
    // a fresh instance's limit: DuckDB's default (80% of memory)
    await closeDatabase(db);
    db = await openDatabase(join(dir, "fresh.duckdb"), { migrate: false });
    const before = await limit();
    const shown: string[] = [];
    for (let i = 0; i < 3; i++) {
      await (await capMemory(db))();
      shown.push(await limit());
    }
    // DuckDB shows the default cut to one decimal: given back at most 0.1 of its unit lower,
    // and then the same after every ingest
    expect(new Set(shown).size).toBe(1);
    const [value, unit] = before.split(" ");
    const [after, afterUnit] = shown[0]!.split(" ");
    expect(afterUnit).toBe(unit);
    expect(Number(value) - Number(after)).toBeGreaterThanOrEqual(0);
    expect(Number(value) - Number(after)).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it("work that needs the full limit waits for the cap, and a cap asked for meanwhile waits for it", async () => {
    const full = await limit();
    const order: string[] = [];
    const release = await capMemory(db);
    const copy = withFullMemory(db, async () => {
      order.push("copy");
      return limit();
    });
    const nextCap = capMemory(db).then(async (r) => {
      order.push("cap");
      return r;
    });
    // both wait on the held cap whatever the scheduling: nothing ran yet after many turns
    for (let i = 0; i < 20; i++) await db.query("select 1");
    expect(order).toEqual([]);
    await release();
    expect(await copy).toBe(full);
    const releaseNext = await nextCap;
    expect(order).toEqual(["copy", "cap"]);
    await releaseNext();
    expect(await limit()).toBe(full);
  });

  it("a snapshot asked for during an ingest is copied after it, under the full limit", async () => {
    await db.run("create table marts as select range as i, repeat('x', 200) as s from range(200000)");
    // a cap far too small for the copy: a copy run under it fails with Out of Memory
    process.env.BAROMETER_MEMORY_LIMIT = "2MB";
    const release = await capMemory(db);
    await expect(db.run("create temp table probe as select * from marts order by s, i desc")).rejects.toThrow(
      /Out of Memory|memory/i,
    );
    const snapshots = join(dir, "snapshots");
    const snapshot = writeSnapshot(db, { dir: snapshots, tables: ["marts"] });
    // the copy's first step attaches its temp file: not while the cap is held
    for (let i = 0; i < 50; i++) {
      await db.query("select 1");
      expect(existsSync(snapshots) ? readdirSync(snapshots) : []).toEqual([]);
    }
    await release();
    const { path } = await snapshot;
    expect(listSnapshots(join(dir, "snapshots")).map((s) => s.path)).toEqual([path]);
  });
});
