import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/index.ts";

// Issue 17: every command took 2.4 s to start, TypeScript compiled by tsx at each start and
// every module of every command loaded. Now `npm install` builds dist/ (bin/build.js) and the
// command loads only the subcommand it runs. Checked here by what the process loads (a resolve
// hook records each module): `--help` loads no DuckDB, Excel, Express or Vega; `sql` no Excel,
// Express or Vega; neither tsx while dist/ is fresh; a stale dist/ is not used. The time itself
// is measured in bench/cliStart.ts (a timing assertion would fail on a loaded machine).

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/barometer.js");
const TRACE = join(import.meta.dirname, "fixtures/traceImports.mjs");
const HEAVY = /node_modules\/(@duckdb|exceljs|express|vega|vega-lite|apache-arrow|zod|yaml)\//;
let db: string;

beforeAll(async () => {
  const { newestSource } = (await import(join(ROOT, "bin/sources.js"))) as {
    newestSource: (root: string) => number;
  };
  const built = join(ROOT, "dist/.built");
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource(ROOT))
    expect(spawnSync(process.execPath, [join(ROOT, "bin/build.js")], { stdio: "inherit" }).status).toBe(0);
  db = join(mkdtempSync(join(tmpdir(), "barometer-start-")), "s.duckdb");
  await closeDatabase(await openDatabase(db));
}, 600_000);

async function loaded(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const trace = join(mkdtempSync(join(tmpdir(), "barometer-trace-")), "modules.txt");
  await promisify(execFile)(process.execPath, ["--import", TRACE, BIN, ...args], {
    env: { ...process.env, TRACE_IMPORTS: trace, ...env },
  });
  return readFileSync(trace, "utf8").trim().split("\n");
}

describe("barometer starts fast", () => {
  it("--help runs from dist/ and loads no database, Excel, server or chart library", async () => {
    const modules = await loaded(["--help"]);
    expect(modules.some((m) => m.endsWith("/dist/cli/main.js"))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m) || /node_modules\/tsx\//.test(m))).toEqual([]);
  }, 60_000);

  it('sql "select 1" loads DuckDB and nothing of the server, Excel or the study reader', async () => {
    const modules = await loaded(["--db", db, "sql", "select 1", "--format", "json"]);
    expect(modules.some((m) => /node_modules\/@duckdb\/node-api\//.test(m))).toBe(true);
    expect(modules.filter((m) => /node_modules\/(exceljs|express|vega|vega-lite|tsx)\//.test(m))).toEqual([]);
    expect(modules.filter((m) => /\/dist\/(server\/(?!sandbox\/latestSnapshot)|study\/)/.test(m))).toEqual(
      [],
    );
  }, 60_000);

  it("a dist/ older than a source file is not used: the sources run through tsx", async () => {
    const built = join(ROOT, "dist/.built");
    const { mtime } = statSync(built);
    utimesSync(built, new Date(0), new Date(0));
    try {
      const modules = await loaded(["--help"]);
      expect(modules.some((m) => m.endsWith("/cli/main.ts"))).toBe(true);
      expect(modules.some((m) => m.includes(`${ROOT}/dist/`))).toBe(false);
    } finally {
      utimesSync(built, mtime, mtime);
    }
  }, 60_000);
});
