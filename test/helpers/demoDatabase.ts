import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";

/** A fresh database file with the demo study's three waves loaded and the models built. */
export async function demoDatabase(): Promise<{ db: Database; study: Study; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "barometer-demo-"));
  const db = await openDatabase(join(dir, "demo.duckdb"));
  const study = await loadStudy(DEMO_STUDY_DIR);
  for (const wave of study.waves) {
    const result = await ingestFile(db, {
      study,
      waveId: wave.id,
      path: join(study.dir, "responses", `wave-${wave.id}.csv`),
      user: "test",
      hmacKey: Buffer.from("test-key"),
    });
    if (result.status !== "loaded")
      throw new Error(`demo wave ${wave.id} not loaded: ${JSON.stringify(result.refusal)}`);
  }
  await runModels(db, study);
  return { db, study, dir };
}
