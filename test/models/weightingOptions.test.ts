import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";

// Weighting options through the models (issue 15): trimming per wave, and linear calibration
// with bounds. Two waves whose delivered weights differ tenfold: a trim relative to the mean of
// both waves pooled would cut the large wave's weights and lift the small wave's. Expected
// values are worked in plain loops here (R's trimWeights rule on each wave), never by the code
// under test.

const study = (calibration: string) => `id: wopt
title: { zh: 权数选项, en: Weighting options }
respondent_id: rid
codebooks: [{ version: v1, file: codebook.yaml }]
waves:
  - { id: "2024", title: { zh: 2024年, en: "2024" }, codebook: v1 }
  - { id: "2025", title: { zh: 2025年, en: "2025" }, codebook: v1 }
frame: { file: frame.csv, stratum: town, psu: village, population: pop }
design: { base_weights: { method: column, column: wt } }
calibration:
${calibration}
organizations: [{ id: union, name: { zh: 工会, en: Trade union } }]
indices:
  - { index: awareness, organization: union, items: [aw_union] }
`;

const CODEBOOK = `survey:
  - { type: text, name: rid, label: { zh: 编号, en: ID }, required: yes }
  - { type: select_one town, name: town, label: { zh: 镇, en: Town }, required: yes }
  - { type: text, name: village, label: { zh: 村, en: Village }, required: yes }
  - { type: decimal, name: wt, label: { zh: 权数, en: Weight }, required: yes }
  - { type: select_one sex, name: sex, label: { zh: 性别, en: Sex }, required: yes }
  - { type: select_one yn, name: aw_union, label: { zh: 知道工会吗, en: Know the union? } }
choices:
  town: [{ name: T1, label: { zh: 一镇, en: Town 1 } }, { name: T2, label: { zh: 二镇, en: Town 2 } }]
  sex: [{ name: "1", label: { zh: 男, en: Male } }, { name: "2", label: { zh: 女, en: Female } }]
  yn: [{ name: "1", label: { zh: 是, en: "Yes" } }, { name: "2", label: { zh: 否, en: "No" } }]
`;

const N = 60;
const places = ["T1,V1", "T1,V2", "T2,V3", "T2,V4"];
// wave 2025's weights are ten times wave 2024's, with a few very large ones in each
const weight = (wave: string, i: number) =>
  (wave === "2025" ? 10 : 1) * (i % 13 === 0 ? 8 : 1 + (i % 4) * 0.5);
const sexOf = (i: number) => (i % 3 === 0 ? "1" : "2");

async function build(calibration: string, files: Record<string, string> = {}) {
  const dir = writeStudy({
    "study.yaml": study(calibration),
    "codebook.yaml": CODEBOOK,
    "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,200\nT2,V4,100\n",
    ...files,
  });
  const s = await loadStudy(dir);
  const db = await openDatabase(join(dir, "db.duckdb"));
  for (const wave of ["2024", "2025"]) {
    const rows = ["rid,town,village,wt,sex,aw_union"];
    for (let i = 0; i < N; i++)
      rows.push(`${wave}-${i},${places[i % 4]},${weight(wave, i)},${sexOf(i)},${i % 2 ? 1 : 2}`);
    const file = join(dir, `${wave}.csv`);
    writeFileSync(file, `${rows.join("\n")}\n`);
    const r = await ingestFile(db, {
      study: s,
      waveId: wave,
      path: file,
      user: "t",
      hmacKey: Buffer.from("k"),
    });
    expect(r.accepted, JSON.stringify(r.errors)).toBe(N);
  }
  await runModels(db, s);
  const rows = await db.query<{
    wave_id: string;
    respondent_id: string;
    base_weight: number;
    weight: number;
  }>(
    "select wave_id, respondent_id, base_weight, weight from int_responses_calibrated__wopt order by wave_id, respondent_id",
  );
  return { db, rows };
}

/** R's trimWeights (strict = FALSE) on one wave's weights, with bounds times that wave's mean. */
function trimByHand(w: number[], lower: number, upper: number): number[] {
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const lo = lower * mean;
  const hi = upper * mean;
  const outside = w.filter((x) => x < lo || x > hi);
  const excess = w.reduce((a, x) => a + (x < lo ? x - lo : x > hi ? x - hi : 0), 0);
  const inside = w.length - outside.length;
  return w.map((x) => (x < lo ? lo : x > hi ? hi : x + excess / inside));
}

const dbs: Database[] = [];
afterAll(async () => {
  for (const db of dbs) await closeDatabase(db);
});

describe("weighting options in the models", () => {
  let trimmed: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    trimmed = await build("  method: none\n  trim: { lower: 0.5, upper: 2 }");
    dbs.push(trimmed.db);
  }, 120_000);

  it("trim each wave's weights relative to its own mean, keeping each wave's total", () => {
    for (const wave of ["2024", "2025"]) {
      const rows = trimmed.rows.filter((r) => r.wave_id === wave);
      expect(rows).toHaveLength(N);
      const expected = trimByHand(
        rows.map((r) => r.base_weight),
        0.5,
        2,
      );
      for (const [i, r] of rows.entries())
        expect(r.weight, `${wave} ${r.respondent_id}`).toBeCloseTo(expected[i]!, 9);
      const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(total(rows.map((r) => r.weight))).toBeCloseTo(total(rows.map((r) => r.base_weight)), 8);
      // the large weights (8 times the wave's unit) were cut in both waves, not only in 2025
      const unit = wave === "2025" ? 10 : 1;
      expect(Math.max(...rows.map((r) => r.weight))).toBeLessThan(8 * unit - 1e-6);
    }
  });

  it("calibrate linearly with bounds: each wave meets the margins, and weight / base weight stays within them", async () => {
    const { db, rows } = await build(
      "  method: linear\n  bounds: [0.35, 5.5]\n  margins:\n    - { file: sex.csv, variables: [sex] }\n    - { file: town.csv, variables: [town] }",
      { "sex.csv": "sex,count\n1,250\n2,350\n", "town.csv": "town,count\nT1,300\nT2,300\n" },
    );
    dbs.push(db);
    for (const wave of ["2024", "2025"]) {
      const inWave = rows.filter((r) => r.wave_id === wave);
      const sum = (pick: (i: number) => boolean) =>
        inWave.reduce((a, r) => a + (pick(Number(r.respondent_id.split("-")[1])) ? r.weight : 0), 0);
      expect(sum((i) => sexOf(i) === "1")).toBeCloseTo(250, 6);
      expect(sum((i) => sexOf(i) === "2")).toBeCloseTo(350, 6);
      expect(sum((i) => places[i % 4]!.startsWith("T1"))).toBeCloseTo(300, 6);
      const g = inWave.map((r) => r.weight / r.base_weight);
      expect(Math.min(...g)).toBeGreaterThanOrEqual(0.35 - 1e-9);
      expect(Math.max(...g)).toBeLessThanOrEqual(5.5 + 1e-9);
      // the bounds bind (unbounded, g runs 3.31-6.09 in 2024 and about a tenth of that in 2025)
      if (wave === "2024") expect(Math.max(...g)).toBeCloseTo(5.5, 9);
      else expect(Math.min(...g)).toBeCloseTo(0.35, 9);
    }
  }, 120_000);

  it("refuses bounds whose lower end is not below the upper", async () => {
    await expect(build("  method: linear\n  bounds: [1.5, 0.5]")).rejects.toThrow(/bounds/);
  });
});
