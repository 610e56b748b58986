import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../db/index.ts";
import type { Study } from "../study/index.ts";
import { type IngestResult, ingestFile } from "./ingestFile.ts";

/**
 * Load the response files a study folder carries itself, `responses/wave-<id>.csv`, one per
 * wave in wave order (the demo study's layout). A missing file, or one refused, stops with an
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
    const file = `wave-${wave.id}.csv`;
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
