import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../db/index.ts";
import type { Study } from "../study/index.ts";
import type { IngestResult } from "./IngestResult.ts";
import { ingestFile } from "./ingestFile.ts";

/** The shapes an example's response file may have, looked for in this order. */
const EXTENSIONS = [".csv", ".xlsx", ".parquet"];

/**
 * Load the response files a study folder carries itself, `responses/wave-<id>.csv` (or `.xlsx`,
 * `.parquet`), one per wave in wave order (the example studies' layout). A missing file, or one refused, stops with an
 * error naming it; loading again is harmless (the same files are recognised by their hash).
 */
export async function ingestStudyResponses(
  db: Database,
  study: Study,
  options: { user: string; hmacKey: Buffer; onResult?: (result: IngestResult) => void },
): Promise<IngestResult[]> {
  const dir = join(study.dir, "responses");
  const results: IngestResult[] = [];
  for (const wave of study.waves) {
    const file =
      EXTENSIONS.map((ext) => `wave-${wave.id}${ext}`).find((f) => existsSync(join(dir, f))) ??
      `wave-${wave.id}.csv`;
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`the response file of wave ${wave.id} is missing: ${path}`);
    const result = await ingestFile(db, {
      study,
      waveId: wave.id,
      path,
      user: options.user,
      hmacKey: options.hmacKey,
    });
    options.onResult?.(result);
    if (result.status === "refused")
      throw new Error(`${file} was refused: ${result.refusal?.en ?? "no reason given"}`);
    results.push(result);
  }
  return results;
}
