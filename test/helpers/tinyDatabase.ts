import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { writeStudy } from "./tinyStudy.ts";

/**
 * The tiny study (helpers/tinyStudy.ts, with two villages per town so every stratum has two
 * PSUs) with `n` valid respondents loaded and the models built: seconds, where the demo takes
 * a minute. `responses(n, from)` writes more valid rows (ids r<from>…).
 */
export async function tinyDatabase(n = 80): Promise<{
  db: Database;
  study: Study;
  dir: string;
  responses: (n: number, from: number) => string;
}> {
  const dir = writeStudy({ "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,150\nT2,V4,150\n" });
  const study = await loadStudy(dir);
  const db = await openDatabase(join(dir, "tiny.duckdb"));
  const responses = (count: number, from: number) => {
    const rows = ["rid,town,village,sex,age,aw_union,league,phone,name"];
    for (let i = from; i < from + count; i++) {
      const town = i % 2 ? "T1" : "T2";
      const village = i % 2 ? (i % 4 === 1 ? "V1" : "V2") : i % 4 === 0 ? "V3" : "V4";
      rows.push(
        `r${i},${town},${village},${1 + (Math.floor(i / 2) % 2)},${20 + (i % 50)},${i % 3 === 0 ? 2 : 1},1,1380000${i},name${i}`,
      );
    }
    const path = join(dir, `responses-${from}-${count}.csv`);
    writeFileSync(path, `${rows.join("\n")}\n`);
    return path;
  };
  const loaded = await ingestFile(db, {
    study,
    waveId: "2024",
    path: responses(n, 0),
    user: "test",
    hmacKey: Buffer.from("test-key"),
  });
  if (loaded.status !== "loaded" || loaded.rejected)
    throw new Error(`tiny responses: ${JSON.stringify(loaded)}`);
  await runModels(db, study);
  return { db, study, dir, responses };
}
