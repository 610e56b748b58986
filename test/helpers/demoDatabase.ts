import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";

/** A fresh database file with the demo study's three waves loaded and the models built. */
export async function demoDatabase(): Promise<{ db: Database; study: Study; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "barometer-demo-"));
  const db = await openDatabase(join(dir, "demo.duckdb"));
  const study = await loadStudy(DEMO_STUDY_DIR);
  await ingestStudyResponses(db, study, { user: "test", hmacKey: Buffer.from("test-key") });
  await runModels(db, study);
  return { db, study, dir };
}
