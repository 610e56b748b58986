// One measured run in a process of its own, so its peak RSS is its own:
//   node --import tsx/esm bench/lib/ingestOnce.ts native|ingest DB FILE
// prints one JSON line {seconds, max_rss_mb, rows, status}.
// The ingest runs from the build in dist/ when there is one (as `barometer` runs; bench/ingest.ts
// builds it first), else from the sources through tsx.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type * as Db from "../../db/index.ts";
import type * as Ingest from "../../ingest/index.ts";
import type * as StudyModule from "../../study/index.ts";
import { DEMO_STUDY } from "./surveyCsv.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const built = existsSync(join(ROOT, "dist/.built"));
const from = (module: string) => (built ? join(ROOT, "dist", `${module}.js`) : join(ROOT, `${module}.ts`));
const { closeAllDatabases, openDatabase } = (await import(from("db/index"))) as typeof Db;
const { ingestFile } = (await import(from("ingest/index"))) as typeof Ingest;
const { loadStudy } = (await import(from("study/index"))) as typeof StudyModule;

const [mode, dbPath, file] = process.argv.slice(2) as ["native" | "ingest", string, string];
let out: { seconds: number; rows: number; status: string };
if (mode === "native") {
  const instance = await DuckDBInstance.create(dbPath);
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run("create table responses as select * from read_csv($p)", { p: file });
  await connection.run("checkpoint");
  const seconds = (performance.now() - started) / 1000;
  const rows = Number((await connection.runAndReadAll("select count(*) from responses")).getRows()[0]![0]);
  connection.closeSync();
  instance.closeSync();
  out = { seconds, rows, status: "native" };
} else {
  const db = await openDatabase(dbPath);
  const study = await loadStudy(DEMO_STUDY);
  const started = performance.now();
  const result = await ingestFile(db, {
    study,
    waveId: "2024",
    path: file,
    user: "bench",
    hmacKey: Buffer.from("bench-hmac-key"),
  });
  await db.run("checkpoint");
  const seconds = (performance.now() - started) / 1000;
  await closeAllDatabases();
  if (result.status !== "loaded") throw new Error(`not loaded: ${JSON.stringify(result.refusal)}`);
  out = { seconds, rows: result.rows, status: `${result.accepted} accepted, ${result.rejected} quarantined` };
}
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ...out, max_rss_mb: Math.round(maxRssMb) })}\n`);
