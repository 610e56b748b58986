import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { runModels } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { CODEBOOK, STUDY, writeStudy } from "../helpers/tinyStudy.ts";

// A weight column delivered with the data (design.base_weights: { method: column }), end to
// end: ingest, weights, estimates, the figures API and the overview page. The column is
// called base_weight, the name of the models' own column, which before issue 14 broke every
// model run. Expected values: the weighted share written out by hand below.

const KEY = Buffer.from("test-key");
let db: Database;
let study: Study;
let app: ReturnType<typeof createApp>;
let token: string;

const weightOf = (i: number) => 1 + (i % 7) * 0.5;
const isAware = (i: number) => i % 3 !== 0 && i % 5 !== 1;
const N = 80;

beforeAll(async () => {
  const dir = writeStudy({
    "study.yaml": STUDY.replace(/calibration:[\s\S]*?organizations:/, "organizations:").replace(
      "organizations:",
      "design: { base_weights: { method: column, column: base_weight } }\norganizations:",
    ),
    "codebook.yaml": CODEBOOK.replace(
      "choices:",
      "  - { type: decimal, name: base_weight, label: { zh: 权数, en: Weight }, required: yes }\nchoices:",
    ),
    "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,200\nT2,V4,100\n",
  });
  study = await loadStudy(dir);
  const places = ["T1,V1", "T1,V2", "T2,V3", "T2,V4"];
  const rows = ["rid,town,village,sex,age,aw_union,league,phone,name,base_weight"];
  for (let i = 0; i < N; i++)
    rows.push(
      `r${i},${places[i % 4]},${(i % 2) + 1},${20 + (i % 15)},${isAware(i) ? 1 : 2},1,1380000${i},某人,${weightOf(i)}`,
    );
  const file = join(dir, "wave.csv");
  writeFileSync(file, `${rows.join("\n")}\n`);
  db = await openDatabase(join(dir, "db.duckdb"));
  const report = await ingestFile(db, { study, waveId: "2024", path: file, user: "t", hmacKey: KEY });
  expect(report.accepted, JSON.stringify(report.errors)).toBe(N);
  await runModels(db, study);
  app = createApp({ db, sessionSecret: randomBytes(32) });
  await createUser(db, "leader", "viewer", "a-long-test-password");
  token = await createToken(db, "leader", "test");
}, 120_000);

afterAll(async () => {
  if (db) await closeDatabase(db);
});

const expectedPct = () => {
  let yes = 0;
  let all = 0;
  for (let i = 0; i < N; i++) {
    all += weightOf(i);
    if (isAware(i)) yes += weightOf(i);
  }
  return (100 * yes) / all;
};

describe("a delivered weight column", () => {
  it("is each respondent's base weight and, without calibration, its final weight", async () => {
    const rows = await db.query<{ respondent_id: string; base_weight: number; weight: number }>(
      "select respondent_id, base_weight, weight from int_responses_calibrated__tiny order by respondent_id",
    );
    expect(rows).toHaveLength(N);
    for (const r of rows) {
      const i = Number(r.respondent_id.slice(1));
      expect(r.base_weight).toBe(weightOf(i));
      expect(r.weight).toBeCloseTo(weightOf(i), 12);
    }
  });

  it("gives the district figure its weighted share, in the marts and the figures API", async () => {
    const [mart] = await db.query<{ estimate_0_100: number }>(
      "select estimate_0_100 from index_estimates__tiny where unit_level = 'district' and index_id = 'awareness'",
    );
    expect(mart!.estimate_0_100).toBeCloseTo(expectedPct(), 10);
    const res = await request(app)
      .get("/api/v1/studies/tiny/figures?unit_level=district&index=awareness")
      .set("Authorization", `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0].estimate_0_100).toBeCloseTo(expectedPct(), 10);
  });

  it("shows that figure on the overview", async () => {
    const res = await request(app).get("/?lang=en").set("Authorization", `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<span class="est">${expectedPct().toFixed(1)}</span>`);
  });
});
