/**
 * A Brewer design over both stages takes its inclusion probabilities from the frame
 * (frame_pps, frame_ssu): a village with more respondents than its frame population stops the
 * model run with the wave, the village, the counts and the frame file named, not with a bare
 * number out of range; with a frame that holds, the same study builds its figures.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";
import { STUDY, writeStudy } from "../helpers/tinyStudy.ts";

const BREWER = `${STUDY}design:
  strata: town
  ids: [village, rid]
  pps: brewer
  fpc: [frame_pps, frame_ssu]
  lonely_psu: adjust
`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(frame: string) {
  const dir = writeStudy({ "study.yaml": BREWER, "frame.csv": frame });
  dirs.push(dir);
  const rows = ["rid,town,village,sex,age,aw_union,league,phone,name"];
  for (let i = 0; i < 80; i++) {
    const town = i % 2 ? "T1" : "T2";
    const village = i % 2 ? (i % 4 === 1 ? "V1" : "V2") : i % 4 === 0 ? "V3" : "V4";
    rows.push(
      `r${i},${town},${village},${1 + (Math.floor(i / 2) % 2)},${20 + (i % 50)},${i % 3 === 0 ? 2 : 1},1,,`,
    );
  }
  writeFileSync(join(dir, "responses.csv"), `${rows.join("\n")}\n`);
  const study = await loadStudy(dir);
  const db = await openDatabase(join(dir, "brewer.duckdb"));
  try {
    const loaded = await ingestFile(db, {
      study,
      waveId: "2024",
      path: join(dir, "responses.csv"),
      user: "test",
      hmacKey: Buffer.from("test-key"),
    });
    expect(loaded.status).toBe("loaded");
    await runModels(db, study);
    return await db.query<{ n: number; normal: number }>(
      `select count(*)::integer as n, count(*) filter (where df is null)::integer as normal
       from index_estimates__tiny where unit_level = 'township' and se_0_100 > 0`,
    );
  } finally {
    await closeDatabase(db);
  }
}

describe("a Brewer design's frame", () => {
  it("a village with more respondents than its population is named, with the frame file", async () => {
    // V1 has 20 of the 80 respondents and a population of 12
    await expect(run("town,village,pop\nT1,V1,12\nT1,V2,200\nT2,V3,150\nT2,V4,150\n")).rejects.toThrow(
      /wave 2024, PSU V1: 20 respondents but a population of 12 in the frame \(frame\.csv, column pop\), so frame_ssu = 1\.667 > 1/,
    );
  });

  it("a village so large it would be drawn with certainty is named", async () => {
    // T1: 2 of its 2 villages drawn, V2 holds 200 of 300: m N_i / N = 1.33
    await expect(run("town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,150\nT2,V4,150\n")).rejects.toThrow(
      /wave 2024, PSU V2: frame_pps = m_h N_hi \/ N_h = 1\.333 > 1/,
    );
  });

  it("a frame that holds gives the figures", async () => {
    const [r] = await run(
      "town,village,pop\nT1,V1,50\nT1,V2,100\nT1,V5,150\nT2,V3,75\nT2,V4,75\nT2,V6,150\n",
    );
    expect(r!.n).toBeGreaterThan(0);
    // awareness is a rate: on this two-stage variance its logit interval is on normal quantiles
    expect(r!.normal).toBe(r!.n);
  });
});
