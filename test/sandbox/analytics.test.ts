import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { Analytics } from "../../server/analytics.ts";

// The analysts' snapshot over a real DuckDB file and the real sandbox child: a refresh that
// fails (a relation that cannot be read) is reported, and the next refresh still runs; a
// refresh under way when the sandbox stops finishes first.

let dir: string;
let db: Database;
let analytics: Analytics;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-analytics-"));
  db = await openDatabase(join(dir, "main.duckdb"));
  await db.run("create table index_estimates__s as select 1 as n");
  analytics = new Analytics(db, { timeoutMs: 5000 });
  await analytics.start();
});

afterAll(async () => {
  await analytics?.stop();
  if (db) await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

const count = async () => {
  const result = await analytics.sandbox.query("select count(*) from index_estimates__s");
  if (!result.ok) throw new Error(result.error.message);
  return result.rows;
};

describe("analytics snapshot refresh", () => {
  it("a failed refresh is reported and does not stop the next one", async () => {
    expect(await count()).toEqual([[1]]);
    // a view over a table that is gone: copying it into the snapshot fails
    await db.run("create table gone as select 1 as x");
    await db.run("create view stg_broken__s as select * from gone");
    await db.run("drop table gone");
    await db.run("insert into index_estimates__s values (2)");
    await expect(analytics.refresh()).rejects.toThrow(/could not write the analytics snapshot/);
    expect(await count()).toEqual([[1]]);
    await db.run("drop view stg_broken__s");
    await analytics.refresh();
    expect(await count()).toEqual([[2]]);
  });

  it("refreshes asked for while one waits to start are that one", async () => {
    await db.run("insert into index_estimates__s values (3)");
    const first = analytics.refresh();
    const second = analytics.refresh();
    expect(second).toBe(first);
    await first;
    expect(await count()).toEqual([[3]]);
  });

  // last: it stops the sandbox
  it("stopping waits for the refresh under way, and no refresh starts after", async () => {
    await db.run("insert into index_estimates__s values (4)");
    const underWay = analytics.refresh();
    await analytics.stop();
    await expect(underWay).resolves.toBeUndefined();
    const snapshot = analytics.sandbox.snapshotPath;
    await db.run("insert into index_estimates__s values (5)");
    await expect(analytics.refresh()).resolves.toBeUndefined();
    expect(analytics.sandbox.snapshotPath).toBe(snapshot);
  });
});
