/**
 * Build (once) a database file with the demo study's three waves loaded and the models run, for
 * `bench/domains.ts`: `npx tsx bench/lib/demoDomainsDb.ts [path]` (default /tmp/perf.duckdb).
 * When the model run fails (the models are being edited), the intermediate tables that exist
 * are kept and the failure is reported on stderr; the benchmark only needs
 * int_scores_wide__mass_org_evaluation.
 */
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";

const path = process.argv[2] ?? "/tmp/perf.duckdb";
const db = await openDatabase(path);
const study = await loadStudy(DEMO_STUDY_DIR);
await ingestStudyResponses(db, study, { user: "bench", hmacKey: Buffer.from("bench-key") });
const started = performance.now();
try {
  const run = await runModels(db, study);
  process.stderr.write(`models: ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  for (const t of run.timings) process.stderr.write(`  ${t.model.padEnd(32)} ${t.seconds.toFixed(3)} s\n`);
} catch (e) {
  process.stderr.write(`runModels failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
