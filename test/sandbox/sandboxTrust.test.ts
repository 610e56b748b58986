import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { type SandboxResult, SqlSandbox, writeSnapshot } from "../../server/sandbox/index.ts";

// The security audit's findings against the sandbox, on a real child over a real snapshot:
// functions off the allow-list (logging, settings, other SQL) are refused before they run,
// the server's folders never show in an answer, and one user's heavy queries do not hold up
// another user's. Expected values are hand counts of the fixture's rows.

let dir: string;
let db: Database;
let sandbox: SqlSandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-sandbox-trust-"));
  db = await openDatabase(join(dir, "main.duckdb"), { migrate: false });
  await db.run("create table index_estimates as select range::int as unit_id from range(100)");
  await writeSnapshot(db, { dir: join(dir, "snapshots"), tables: ["index_estimates"] });
  sandbox = new SqlSandbox({ snapshotDir: join(dir, "snapshots"), timeoutMs: 4000, log: () => {} });
  await sandbox.start();
});

afterAll(async () => {
  await sandbox?.stop();
  if (db) await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

function code(result: SandboxResult): string {
  return result.ok ? "rows" : result.error.code;
}

describe("SQL sandbox: an allow-list of table functions", () => {
  it.each([
    "SELECT * FROM enable_logging(['QueryLog'])",
    "select * from enable_logging(storage := 'file', storage_path := '/tmp/x')",
    "from system.main.ENABLE_LOGGING()",
    'select * from "enable_logging"()',
    "with a as (select * from enable_logging()) select 1",
    "select (select count(*) from enable_logging()) as n",
    "select * from index_estimates, lateral (select * from enable_profiling())",
    "select * from (pivot (select * from enable_logging()) on x in (1) using count(*))",
    "pivot (select * from query('select 1')) on x in (1) using count(*)",
    "pivot (select * from duckdb_logs) on x in (1) using count(*)",
    "select * from pg_catalog.pg_settings",
    "select * from pragma_database_list",
    "select * from duckdb_logs",
    "select * from duckdb_logs()",
    "select * from checkpoint()",
    "select * from enable_profiling()",
    "select * from duckdb_settings()",
  ])("refuses %s and the instance keeps no log", async (sql) => {
    const result = await sandbox.query(sql, { user: "analyst" });
    expect(code(result), sql).toMatch(/^(forbidden|query_failed)$/);
    // the next (another user's) query is not logged anywhere the analyst could read
    const probe = await sandbox.query("select 'secret admin query' as s", { user: "admin" });
    expect(code(probe)).toBe("rows");
  });

  it("refuses enable_logging written with a lone surrogate in a comment, and keeps answering", async () => {
    const result = await sandbox.query("select * from enable_logging() /* \ud800 */", { user: "analyst" });
    expect(code(result)).toBe("forbidden");
    expect(code(await sandbox.query("select 1", { user: "analyst" }))).toBe("rows");
  });

  it("allows what analysts use: range, unnest, describe, summarize, pivot, duckdb_tables", async () => {
    for (const sql of [
      "select count(*) from range(10)",
      "select unnest([1, 2, 3])",
      "describe index_estimates",
      "summarize index_estimates",
      "pivot (select unit_id % 2 as odd from index_estimates) on odd in (0, 1) using count(*)",
      "select table_name from duckdb_tables()",
      "select * from generate_series(1, 3)",
    ]) {
      expect(code(await sandbox.query(sql)), sql).toBe("rows");
    }
  });
});

describe("SQL sandbox: no server paths in answers", () => {
  it("refuses duckdb_databases() and current_setting()", async () => {
    expect(code(await sandbox.query("select path from duckdb_databases()"))).toBe("forbidden");
    expect(code(await sandbox.query("select current_setting('home_directory')"))).toBe("forbidden");
  });

  it("says nothing of the snapshot's folder in errors or allowed catalog functions", async () => {
    const answers: SandboxResult[] = [];
    for (const sql of [
      `select * from '${join(dir, "snapshots", "nothing.csv")}'`,
      "select * from no_such_table",
      "select * from duckdb_tables()",
      "select * from duckdb_schemas()",
      "select current_database()",
      "show databases",
      `select "${join(dir, "snapshots", "nothing.csv")}" from index_estimates`,
    ])
      answers.push(await sandbox.query(sql));
    const text = JSON.stringify(answers);
    expect(text).not.toContain(dir);
    expect(text).not.toContain(tmpdir());
    expect(text).toContain("nothing.csv"); // the error is still there, only the folder is gone
    expect(text).toContain("analytics-000001"); // the snapshot is known by its name alone
  });
});

describe("SQL sandbox: a fair queue and a per-user quota", () => {
  it("one user's heavy queries do not hold up another user's, and past the quota are refused", async () => {
    const order: string[] = [];
    const heavy = Array.from({ length: 6 }, () =>
      sandbox.query("select count(*) from range(100000000000)", { user: "heavy" }).then((r) => {
        order.push(`heavy:${code(r)}`);
        return r;
      }),
    );
    const started = Date.now();
    const light = await sandbox.query("select 1 as one", { user: "admin" });
    order.push(`light:${code(light)}`);
    const lightMs = Date.now() - started;
    // a notebook's queries run as its reader (forUser), so they are another user's too
    const notebook = await sandbox.forUser("viewer").query("select 2 as two");
    order.push(`notebook:${code(notebook)}`);
    expect(notebook.ok ? notebook.rows : notebook).toEqual([[2]]);
    const results = await Promise.all(heavy);
    expect(light.ok ? light.rows : light).toEqual([[1]]);
    // the light query answered before any heavy one ran to its time limit
    expect(order.indexOf("light:rows")).toBeLessThan(order.indexOf("heavy:timeout"));
    expect(order.indexOf("notebook:rows")).toBeLessThan(order.indexOf("heavy:timeout"));
    expect(lightMs).toBeLessThan(4000);
    // four accepted (one running, three waiting), the two beyond the quota refused at once
    expect(results.map(code).sort()).toEqual(["quota", "quota", "timeout", "timeout", "timeout", "timeout"]);
    const refused = results.find((r) => !r.ok && r.error.code === "quota");
    expect(refused && !refused.ok && refused.error.message).toMatch(/wait/);
  }, 60_000);
});
