import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/index.ts";
import {
  ALLOWED_TABLE_FUNCTIONS,
  REFUSED_SCALAR_FUNCTIONS,
  REFUSED_TABLE_FUNCTIONS,
  SqlSandbox,
  writeSnapshot,
} from "../../server/sandbox/index.ts";
import { REFUSED_VIEWS } from "../../server/sandbox/sandboxFunctions.ts";

// The sandbox's allow-list against everything DuckDB has: every table function and table
// macro listed by duckdb_functions() is on exactly one of the two lists in
// server/sandbox/sandboxFunctions.ts (a function a new DuckDB adds fails this test until
// someone decides), every refused one is refused by the running sandbox, every pragma and
// every setting is refused however it is written, and every built-in view over a refused
// function is refused too. The catalogue comes from a plain DuckDB instance of the same
// version the sandbox child runs.

let dir: string;
let sandbox: SqlSandbox;
let tableFunctions: string[];
let pragmas: string[];
let settings: string[];
let views: { name: string; sql: string }[];

beforeAll(async () => {
  const plain = await DuckDBInstance.create(":memory:");
  const connection = await plain.connect();
  const list = async (sql: string) =>
    (await connection.runAndReadAll(sql)).getRows().map((r) => String(r[0]));
  tableFunctions = await list(
    "select distinct function_name from duckdb_functions() where function_type in ('table', 'table_macro') order by 1",
  );
  pragmas = await list(
    "select distinct function_name from duckdb_functions() where function_type = 'pragma' order by 1",
  );
  settings = await list("select name from duckdb_settings() order by 1");
  views = (await connection.runAndReadAll("select view_name, sql from duckdb_views() where internal"))
    .getRows()
    .map((r) => ({ name: String(r[0]), sql: String(r[1]) }));
  connection.closeSync();
  plain.closeSync();

  dir = mkdtempSync(join(tmpdir(), "barometer-allowlist-"));
  const db = await openDatabase(join(dir, "main.duckdb"), { migrate: false });
  await db.run("create table index_estimates as select range::int as unit_id from range(10)");
  await writeSnapshot(db, { dir: join(dir, "snapshots"), tables: ["index_estimates"] });
  await closeDatabase(db);
  sandbox = new SqlSandbox({
    snapshotDir: join(dir, "snapshots"),
    timeoutMs: 5000,
    maxPerUser: 1000,
    maxQueued: 1000,
    log: () => {},
  });
  await sandbox.start();
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = async (sql: string) => {
  const result = await sandbox.query(sql);
  return result.ok ? "rows" : result.error.code;
};

describe("the sandbox's allow-list against all of DuckDB's table functions", () => {
  it("puts every table function and table macro on exactly one list, on purpose", () => {
    const undecided = tableFunctions.filter(
      (f) => !ALLOWED_TABLE_FUNCTIONS.has(f) && !REFUSED_TABLE_FUNCTIONS.has(f),
    );
    expect(undecided, "new DuckDB table functions: allow or refuse each in sandboxFunctions.ts").toEqual([]);
    const both = [...ALLOWED_TABLE_FUNCTIONS].filter((f) => REFUSED_TABLE_FUNCTIONS.has(f));
    expect(both).toEqual([]);
    expect(tableFunctions.length).toBeGreaterThan(80);
  });

  it("refuses every refused table function, with and without a schema, before it runs", async () => {
    for (const name of REFUSED_TABLE_FUNCTIONS) {
      expect(await codeOf(`select * from ${name}()`), name).toBe("forbidden");
      expect(await codeOf(`select * from system.main."${name}"('x')`), name).toBe("forbidden");
      expect(await codeOf(`select (select count(*) from ${name}()) as n`), name).toBe("forbidden");
    }
  }, 300_000);

  it("lets every allowed table function through the check (DuckDB may still want arguments)", async () => {
    for (const name of ALLOWED_TABLE_FUNCTIONS) {
      expect(await codeOf(`select * from ${name}()`), name).not.toBe("forbidden");
    }
  }, 300_000);

  it("refuses every built-in view over a refused function", async () => {
    const refusedNames = [...REFUSED_TABLE_FUNCTIONS, ...REFUSED_SCALAR_FUNCTIONS];
    const over = views.filter((v) => refusedNames.some((f) => new RegExp(`\\b${f}\\s*\\(`, "i").test(v.sql)));
    expect(over.map((v) => v.name).filter((n) => !REFUSED_VIEWS.has(n))).toEqual([]);
    for (const name of REFUSED_VIEWS) expect(await codeOf(`select * from ${name}`), name).toBe("forbidden");
  }, 300_000);
});

describe("pragmas and settings", () => {
  it("refuses every pragma as a statement and through CALL", async () => {
    expect(pragmas.length).toBeGreaterThan(20);
    for (const name of pragmas) {
      // refused as a statement that is not a query, or by the parser when it wants arguments
      expect(await codeOf(`pragma ${name}`), name).toMatch(/^(not_read_only|query_failed|syntax_error)$/);
      expect(await codeOf(`call ${name}()`), name).toMatch(/^(not_read_only|query_failed|syntax_error)$/);
    }
  }, 300_000);

  it("refuses reading or changing every setting", async () => {
    expect(settings.length).toBeGreaterThan(50);
    for (const name of settings) {
      expect(await codeOf(`set ${name} = 'x'`), name).toBe("not_read_only");
      expect(await codeOf(`reset ${name}`), name).toBe("not_read_only");
      expect(await codeOf(`select current_setting('${name}')`), name).toBe("forbidden");
    }
    for (const name of REFUSED_SCALAR_FUNCTIONS)
      expect(await codeOf(`select ${name}('x')`), name).toBe("forbidden");
  }, 300_000);
});
