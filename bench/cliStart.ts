// npm run bench:cli — how long the `barometer` command takes to start and answer, as users
// run it: `barometer --help` and `barometer sql "select 1"` on a database file, each the median
// of several runs in fresh processes, from the build in dist/ (run `npm run build` first; the
// bench builds when dist/ is missing or stale) and, as the baseline, from the TypeScript
// sources through tsx (BAROMETER_NO_DIST=1). Also `node -e 0`, the floor any command pays.
// Target (issue 17): both under 0.5 s. The machine's load average is printed beside the
// figures: on a shared machine the floor moves with it.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { closeDatabase, openDatabase } from "../db/index.ts";
import { ensureBuilt } from "./lib/ensureBuilt.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/barometer.js");
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 7);

await ensureBuilt(ROOT);

const db = join(mkdtempSync(join(tmpdir(), "barometer-bench-cli-")), "cli.duckdb");
await closeDatabase(await openDatabase(db));

function median(args: string[], env: Record<string, string> = {}): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: "utf8" });
    times.push((performance.now() - start) / 1000);
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed: ${run.stderr}`);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)]!.toFixed(3));
}

const load = loadavg()[0]!;
const result = {
  node_s: median(["-e", "0"]),
  help_s: median([BIN, "--help"]),
  sql_s: median([BIN, "--db", db, "sql", "select 1", "--format", "json"]),
  help_tsx_s: median([BIN, "--help"], { BAROMETER_NO_DIST: "1" }),
  sql_tsx_s: median([BIN, "--db", db, "sql", "select 1", "--format", "json"], { BAROMETER_NO_DIST: "1" }),
  runs: RUNS,
  load_average_1m: Number(load.toFixed(2)),
};
process.stderr.write(
  `barometer --help ${result.help_s} s (tsx ${result.help_tsx_s} s); sql "select 1" ${result.sql_s} s (tsx ${result.sql_tsx_s} s); node -e 0 ${result.node_s} s; load ${result.load_average_1m}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
