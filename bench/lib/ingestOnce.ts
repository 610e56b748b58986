// One measured run in a process of its own, so its peak RSS is its own:
//   node --import tsx/esm bench/lib/ingestOnce.ts native|ingest DB FILE
// prints one JSON line {seconds, max_rss_mb, rows, status}.
import { DuckDBInstance } from "@duckdb/node-api";
import { closeAllDatabases, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { loadStudy } from "../../study/index.ts";
import { DEMO_STUDY } from "./surveyCsv.ts";

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
