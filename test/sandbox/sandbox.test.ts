import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import {
  latestSnapshot,
  listSnapshots,
  type SandboxResult,
  SqlSandbox,
  writeSnapshot,
} from "../../server/sandbox/index.ts";

// Real child processes over a real snapshot written from a real DuckDB file. Expected
// values are hand counts of the rows the fixture inserts; refusals are checked by code and
// by the absence of what the attack would have produced (file contents, files written).

const MARTS = ["index_estimates", "stg_demo__responses"];
let dir: string;
let snapshotDir: string;
let db: Database;
let sandbox: SqlSandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-sandbox-"));
  snapshotDir = join(dir, "snapshots");
  db = await openDatabase(join(dir, "main.duckdb"), { migrate: false });
  await db.run(
    "create table index_estimates as select range::int as unit_id, range / 10.0 as estimate from range(1000)",
  );
  await db.run("create table stg_demo__responses as select range as respondent_key from range(250)");
  // stands in for an upload table with personal data: never copied to the snapshot
  await db.run("create table raw_uploads as select 'Zhang San' as full_name, '13800000000' as phone");
  await writeSnapshot(db, { dir: snapshotDir, tables: MARTS });
  sandbox = new SqlSandbox({
    snapshotDir,
    memoryLimit: "256MB",
    timeoutMs: 3000,
    maxRssMb: 1024,
    log: () => {},
  });
  await sandbox.start();
});

afterAll(async () => {
  await sandbox?.stop();
  if (db) await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

function ok(result: SandboxResult) {
  if (!result.ok) throw new Error(`expected rows, got ${result.error.code}: ${result.error.message}`);
  return result;
}

/** After every refusal the sandbox must still answer an ordinary query correctly. */
async function expectHealthy(): Promise<void> {
  const result = ok(await sandbox.query("select count(*) as n from index_estimates"));
  expect(result.rows).toEqual([[1000]]);
}

async function expectRefused(sql: string, code: string, timeoutMs?: number): Promise<SandboxResult> {
  const result = await sandbox.query(sql, timeoutMs ? { timeoutMs } : {});
  expect(result.ok, sql).toBe(false);
  if (!result.ok) {
    expect(result.error.code, `${sql}: ${result.error.message}`).toBe(code);
    expect(result.error.message).not.toMatch(/root:|\n\s+at /); // no file contents, no stack
  }
  await expectHealthy();
  return result;
}

describe("SQL sandbox: ordinary queries", () => {
  it("answers with typed columns, JSON-safe rows and bound parameters", async () => {
    const result = ok(
      await sandbox.query(
        "select count(*) as n, sum(unit_id) as total, 9007199254740993::bigint as big, 1.50::decimal(4,2) as d from index_estimates where unit_id < $1",
        { params: [10] },
      ),
    );
    expect(result.columns).toEqual([
      { name: "n", type: "BIGINT" },
      { name: "total", type: "HUGEINT" },
      { name: "big", type: "BIGINT" },
      { name: "d", type: "DECIMAL(4,2)" },
    ]);
    // 0 + 1 + ... + 9 = 45; 2^53 + 1 is not a safe integer, so it stays a string
    expect(result.rows).toEqual([[10, 45, "9007199254740993", "1.50"]]);
    expect(result.truncated).toBe(false);
    expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
  });

  it("keeps both of two columns with the same name", async () => {
    expect(ok(await sandbox.query("select 1 as a, 2 as a")).rows).toEqual([[1, 2]]);
  });

  it("sees only the copied marts and staging, not the personal upload table", async () => {
    await expectRefused("select * from raw_uploads", "query_failed");
    const tables = ok(await sandbox.query("select table_name from information_schema.tables order by 1"));
    expect(tables.rows).toEqual([["index_estimates"], ["stg_demo__responses"]]);
  });
});

describe("SQL sandbox: no files, no network, no extensions", () => {
  const reads = [
    "select * from read_csv('/etc/passwd')",
    "select * from read_csv_auto('/etc/passwd')",
    "select * from read_text('/etc/passwd')",
    "select * from read_blob('/etc/passwd')",
    "select * from read_json('/etc/passwd')",
    "select * from read_json_auto('/etc/passwd')",
    "select * from read_ndjson('/etc/passwd')",
    "select * from read_parquet('/etc/passwd')",
    "select * from parquet_scan('/etc/passwd')",
    "select * from sniff_csv('/etc/passwd')",
    "select * from glob('/etc/*')",
    "select * from read_csv(['/etc/passwd', '/etc/hostname'])",
    "select * from read_text('/proc/self/environ')",
    "select * from 'https://example.com/data.csv'",
  ];
  it.each(reads)("refuses %s", async (sql) => {
    await expectRefused(sql, "forbidden");
  });

  it("refuses a file path in FROM (no replacement scan reaches the file)", async () => {
    const result = await expectRefused("select * from '/etc/passwd'", "query_failed");
    if (!result.ok) expect(result.error.message).toMatch(/does not exist/);
  });

  it("may not read even its own snapshot file, the one path DuckDB allows (read_blob is off the allow-list)", async () => {
    await expectRefused(`select size from read_blob('${sandbox.snapshotPath}')`, "forbidden");
  });

  it("refuses table functions that are not on the allow-list, such as extensions' ones (no autoload)", async () => {
    await expectRefused("select * from read_xlsx('/etc/passwd')", "forbidden");
    await expectRefused("select * from sqlite_scan('/etc/passwd', 'x')", "forbidden");
  });

  it("refuses COPY ... TO and EXPORT, and writes nothing", async () => {
    const target = join(dir, "x.csv");
    await expectRefused(`copy (select 1) to '${target}'`, "not_read_only");
    await expectRefused(`copy index_estimates to '${target}'`, "not_read_only");
    await expectRefused(`export database '${join(dir, "export")}'`, "not_read_only");
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(dir, "export"))).toBe(false);
  });

  it("refuses ATTACH and DETACH", async () => {
    const target = join(dir, "y.duckdb");
    await expectRefused(`attach '${target}'`, "not_read_only");
    await expectRefused(`attach '${target}' as y (read_only)`, "not_read_only");
    await expectRefused("detach system", "not_read_only");
    expect(existsSync(target)).toBe(false);
  });

  it("refuses INSTALL and LOAD", async () => {
    await expectRefused("install httpfs", "not_read_only");
    await expectRefused("load httpfs", "not_read_only");
    await expectRefused("force install httpfs from community", "not_read_only");
  });
});

describe("SQL sandbox: one plain query per request", () => {
  it.each([
    "set memory_limit = '10GB'",
    "reset memory_limit",
    "set threads = 8",
    "set lock_configuration = false",
    "set enable_external_access = true",
    "set variable x = 1",
    "pragma threads = 8",
    "pragma version",
    "pragma table_info('index_estimates')",
    "call pragma_version()",
    "checkpoint",
    "create table t as select 1",
    "create temp table t as select 1",
    "create macro m(x) as x",
    "insert into index_estimates values (1, 1)",
    "begin transaction",
    "explain analyze select 1",
    "use system",
  ])("refuses %s", async (sql) => {
    await expectRefused(sql, "not_read_only");
  });

  it("refuses RESET ALL (DuckDB itself does not implement it)", async () => {
    await expectRefused("reset all", "query_failed");
  });

  it("neither reads nor changes settings through functions", async () => {
    await expectRefused("select name, value from duckdb_settings()", "forbidden");
    await expectRefused("select current_setting('memory_limit')", "forbidden");
    await expectRefused("select list_transform([1], x -> current_setting('threads'))", "forbidden");
    await expectRefused("select getvariable('x')", "forbidden");
  });

  it("refuses two statements, or none, in one request", async () => {
    await expectRefused("select 1; select 2", "not_one_statement");
    await expectRefused("select 1; set threads = 8", "not_one_statement");
    await expectRefused("-- just a comment", "not_one_statement");
    await expectRefused(" ; ", "not_one_statement");
  });

  it("refuses statements smuggled through query() and serialized SQL", async () => {
    await expectRefused("select * from query('set threads = 8')", "forbidden");
    await expectRefused(`select * from query('attach ''${join(dir, "z.duckdb")}''')`, "forbidden");
    await expectRefused("select * from query_table('index_estimates')", "forbidden");
    await expectRefused(
      "select * from json_execute_serialized_sql(json_serialize_sql('select * from enable_logging()'))",
      "forbidden",
    );
  });

  it("accepts the other ways of writing a query", async () => {
    expect(ok(await sandbox.query("  /* c */ (select 1 as x)")).rows).toEqual([[1]]);
    expect(ok(await sandbox.query("with a as (select 2 as x) select * from a")).rows).toEqual([[2]]);
    expect(ok(await sandbox.query("from stg_demo__responses select count(*)")).rows).toEqual([[250]]);
    expect(ok(await sandbox.query("describe index_estimates")).rows).toHaveLength(2);
  });
});

describe("SQL sandbox: limits", () => {
  it("stops a query that runs forever at its time limit", async () => {
    const started = Date.now();
    const pid = sandbox.childPid;
    await expectRefused("select count(*) from range(10000000000000)", "timeout");
    expect(Date.now() - started).toBeLessThan(3000 + 1500);
    expect(sandbox.childPid).toBe(pid); // interrupted, not killed
  });

  it("stops a cross join that runs forever at a per-query time limit", async () => {
    const started = Date.now();
    const result = await sandbox.query(
      "select count(*) from index_estimates a, index_estimates b, index_estimates c, index_estimates d",
      { timeoutMs: 1000 },
    );
    expect(result.ok ? "rows" : result.error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1000 + 1500);
    await expectHealthy();
  });

  it("kills and restarts a child that does not answer its interrupt", async () => {
    const pid = sandbox.childPid!;
    const pending = sandbox.query("select count(*) from range(10000000000000)", { timeoutMs: 500 });
    await expect.poll(() => sandbox.running).toBe(1);
    process.kill(pid, "SIGSTOP"); // a frozen child cannot answer
    const result = await pending;
    expect(result.ok ? "rows" : result.error.code).toBe("timeout");
    await expectHealthy();
    expect(sandbox.childPid).not.toBe(pid);
  });

  it("cuts ten million rows at the row limit and says so", async () => {
    const result = ok(await sandbox.query("select range as i from range(10000000)"));
    expect(result.rows).toHaveLength(10_000);
    expect(result.truncated).toBe(true);
    expect(result.rows.at(-1)).toEqual([9999]);
    const small = ok(await sandbox.query("select range from range(10)", { maxRows: 10 }));
    expect(small.truncated).toBe(false);
    const cut = ok(await sandbox.query("select range from range(11)", { maxRows: 10 }));
    expect(cut.truncated).toBe(true);
  });

  it.each([
    "select list(range) from range(1000000000)",
    "select string_agg(repeat('x', 1000), ',') from range(10000000)",
    "select range % 100000000 as k, count(*) from range(200000000) group by 1",
    "select * from range(100000000) order by random()", // would spill to disk; there is no disk
  ])("stops %s at the memory limit", async (sql) => {
    // with time enough on a busy machine: the memory limit stops it, not the clock
    await expectRefused(sql, "out_of_memory", 60_000);
  });

  it("kills a child whose one huge value passes DuckDB's memory limit", async () => {
    // time enough for the memory to grow on a busy machine: the memory limit decides, not the clock
    await expectRefused("select length(repeat('x', 2000000000)) as n", "out_of_memory", 60_000);
  });

  it("answers sandbox_crashed when the child dies mid-query, then restarts", async () => {
    const pid = sandbox.childPid!;
    const pending = sandbox.query("select count(*) from range(10000000000000)");
    await expect.poll(() => sandbox.running).toBe(1);
    process.kill(pid, "SIGKILL");
    const result = await pending;
    expect(result.ok ? "rows" : result.error.code).toBe("sandbox_crashed");
    await expectHealthy();
  });

  it("runs queries sent together one after another", async () => {
    const results = await Promise.all([1, 2, 3].map((n) => sandbox.query(`select ${n} as n`)));
    expect(results.map((r) => ok(r).rows)).toEqual([[[1]], [[2]], [[3]]]);
  });
});

describe("analytics snapshots", () => {
  it("a switch is seen by the next query", async () => {
    await db.run("insert into index_estimates select range::int, 0 from range(1000, 1500)");
    const next = await writeSnapshot(db, { dir: snapshotDir, tables: MARTS, inUse: [sandbox.snapshotPath!] });
    expect(latestSnapshot(snapshotDir)).toEqual(next);
    await sandbox.switchSnapshot(next.path);
    expect(ok(await sandbox.query("select count(*) from index_estimates")).rows).toEqual([[1500]]);
    await db.run("delete from index_estimates where unit_id >= 1000");
    await sandbox.switchSnapshot(listSnapshots(snapshotDir)[0]!.path);
    await expectHealthy();
  });

  it("refuses to switch to a file that is not a snapshot, and keeps serving the old one", async () => {
    const before = sandbox.snapshotPath;
    await expect(sandbox.switchSnapshot(join(dir, "missing.duckdb"))).rejects.toThrow(/no snapshot file/);
    const notDuckDb = join(dir, "not-a-snapshot.duckdb");
    writeFileSync(notDuckDb, "this is not a database");
    await expect(sandbox.switchSnapshot(notDuckDb)).rejects.toThrow(/could not open/);
    expect(sandbox.snapshotPath).toBe(before);
    await expectHealthy();
  });

  it("numbers versions, keeps the newest and the one in use, and leaves no temp files", async () => {
    const inUse = sandbox.snapshotPath!;
    for (let i = 0; i < 4; i++) {
      await writeSnapshot(db, { dir: snapshotDir, tables: MARTS, keep: 2, inUse: [inUse] });
    }
    const versions = listSnapshots(snapshotDir).map((s) => s.version);
    expect(versions).toEqual([1, 5, 6]); // 1 is in use; 5 and 6 are the newest two
    expect(readdirSync(snapshotDir).filter((n) => !/^analytics-\d{6}\.duckdb$/.test(n))).toEqual([]);
  });

  it("a failed write leaves no snapshot under a real name", async () => {
    const before = listSnapshots(snapshotDir);
    await expect(
      writeSnapshot(db, { dir: snapshotDir, tables: ["index_estimates", "no_such_table"] }),
    ).rejects.toThrow(/no_such_table/);
    expect(listSnapshots(snapshotDir)).toEqual(before);
    expect(readdirSync(snapshotDir).filter((n) => n.includes("tmp"))).toEqual([]);
  });
});
