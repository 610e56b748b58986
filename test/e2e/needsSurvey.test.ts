import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { createRelease, readRelease, runModels } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";

// The second example study (issue 14), end to end: its four quarterly files (UTF-8 codes, a
// 问卷星 GBK label export, xlsx, UTF-8 with BOM) load, its declared indicators are modelled
// with no code written for them, and its figures are held to (1) the generator's truth (the
// population's own figure, computed over every worker: examples/needs-survey/truth/truth.csv)
// and (2) R's survey package (test/fixtures/needs-survey/make-fixtures.R and its output).

const DIR = resolve(import.meta.dirname, "../../examples/needs-survey");
let db: Database;
let study: Study;

interface Figure {
  wave_id: string;
  index_id: string;
  aspect: string;
  unit_level: string;
  unit_code: string;
  estimate_0_100: number;
  se_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  n: number;
}

function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const columns = head!.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i]!, v])));
}

beforeAll(async () => {
  study = await loadStudy(DIR);
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-needs-")), "needs.duckdb"));
  const results = await ingestStudyResponses(db, study, { user: "t", hmacKey: Buffer.from("k") });
  expect(results.map((r) => [r.format, r.accepted, r.rejected])).toEqual([
    ["csv", 384, 0],
    ["csv", 384, 0],
    ["xlsx", 384, 0],
    ["csv", 384, 0],
  ]);
  await runModels(db, study);
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

const figures = () =>
  db.query<Figure>(
    `select wave_id, index_id, aspect, unit_level, unit_code, estimate_0_100, se_0_100, ci_low_0_100, ci_high_0_100, n::int as n
     from index_estimates__needs_survey where group_var = '' and unit_level in ('district', 'township')`,
  );
const keyOf = (f: {
  wave_id: string;
  index_id: string;
  aspect: string;
  unit_level: string;
  unit_code: string;
}) => [f.wave_id, f.index_id, f.aspect, f.unit_level, f.unit_code].join("|");

describe("the needs survey example", () => {
  it("has every district figure within 4 SE of the population truth, township intervals cover it", async () => {
    const truth = new Map(
      readCsv(join(DIR, "truth/truth.csv")).map((t) => [keyOf(t as never), Number(t.value_0_100)]),
    );
    const all = await figures();
    const district = all.filter((f) => f.unit_level === "district");
    // 4 quarters x (benefit, satisfied, satisfaction, 6 needs, composite)
    expect(district).toHaveLength(4 * 10);
    for (const f of district) {
      const t = truth.get(keyOf(f));
      expect(t, keyOf(f)).toBeDefined();
      expect(Math.abs(f.estimate_0_100 - t!) / f.se_0_100, keyOf(f)).toBeLessThan(4);
    }
    // a township has 4 sampled enterprises, so its SE has 3 degrees of freedom and |z| > 4 is
    // not rare (2.8% under t(3)): the township check is the 95% intervals' coverage instead
    const townships = all.filter((f) => f.unit_level === "township" && f.ci_low_0_100 !== null);
    expect(townships.length).toBeGreaterThan(250);
    const covered = townships.filter((f) => {
      const t = truth.get(keyOf(f))!;
      return f.ci_low_0_100! <= t + 1e-9 && t - 1e-9 <= f.ci_high_0_100!;
    });
    expect(covered.length / townships.length).toBeGreaterThanOrEqual(0.85);
  });

  it("matches R survey on the first quarter: shares, a domain (beneficiaries only), an option, townships", async () => {
    const r = readCsv(join(import.meta.dirname, "../fixtures/needs-survey/r-figures.csv"));
    const all = await figures();
    for (const x of r) {
      const f = all.find(
        (a) =>
          a.wave_id === "2025Q1" &&
          a.index_id === x.index_id &&
          a.aspect === x.aspect &&
          a.unit_code === x.unit_code &&
          a.unit_level === (x.unit_code ? "township" : "district"),
      );
      expect(f, JSON.stringify(x)).toBeDefined();
      expect(f!.estimate_0_100).toBeCloseTo(Number(x.estimate_0_100), 9);
      expect(Math.abs(f!.se_0_100 - Number(x.se_0_100)) / Number(x.se_0_100), JSON.stringify(x)).toBeLessThan(
        1e-8,
      );
    }
  });

  it("reports change between quarters and withholds figures resting on too few respondents", async () => {
    const [changes] = await db.query<{ n: number }>(
      "select count(*)::int as n from index_scores__needs_survey where wave_id = '2025Q2' and change_note = 'independent_samples'",
    );
    expect(changes!.n).toBeGreaterThan(0);
    const [withheld] = await db.query<{ n: number }>(
      "select count(*)::int as n from index_scores__needs_survey where is_withheld and withheld_reason = 'min_n'",
    );
    expect(withheld!.n).toBeGreaterThan(0);
  });

  it("shows its indicators by their declared names on the overview and in the figures API", async () => {
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    await createUser(db, "leader", "viewer", "a-long-test-password");
    const auth = { Authorization: `Bearer ${await createToken(db, "leader", "t")}` };
    const page = await request(app).get("/?study=needs_survey").set(auth);
    expect(page.status).toBe(200);
    for (const name of ["服务获得感指数", "受益率", "受益职工满意率", "受益职工满意度"])
      expect(page.text).toContain(name);
    const en = await request(app).get("/?study=needs_survey&lang=en&index=benefit_rate").set(auth);
    expect(en.text).toContain("Benefit rate");
    const api = await request(app)
      .get("/api/v1/studies/needs_survey/figures?wave=2025Q4&unit_level=district&index=needs")
      .set(auth);
    expect(api.status).toBe(200);
    expect(api.body.rows.map((r: { aspect: string }) => r.aspect).sort()).toEqual([
      "need_childcare",
      "need_counselling",
      "need_housing",
      "need_legal",
      "need_medical",
      "need_skills",
    ]);
  });

  it("releases a quarter with its indicators' declared names beside their ids", async () => {
    const release = await createRelease(db, study, "2025Q4", "t");
    const { file } = await readRelease(db, release.release_id);
    const at = (c: string) => file.columns.indexOf(c);
    const benefit = file.rows.find(
      (r) => r[at("index_id")] === "benefit_rate" && r[at("unit_level")] === "district",
    );
    expect(benefit?.[at("index_name_zh")]).toBe("受益率");
    expect(benefit?.[at("index_name_en")]).toBe("Benefit rate");
  });
});
