import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { buildSiteMarts } from "../../models/sites/buildSiteMarts.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";

// POST /api/v1/sites/uploads: the same upload of assessment forms as `barometer sites ingest`,
// through the server (role uploads, the Writer), on the demo in a real DuckDB file.
let db: Database;
let app: ReturnType<typeof createApp>;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${tokens[role]}` });
const csv = readFileSync("examples/demonstration-sites/assessments/assessments.csv", "utf8");
const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
const forms = (change: (r: Record<string, string>) => Record<string, string>) =>
  Buffer.from(
    Papa.unparse(
      parsed.data
        .filter((r) => r.period === "2020H2" && r.site_id === "S08")
        .map((r) => change({ ...r, period: "2021H1", assessed_on: "2021-06-20" })),
      { columns: parsed.meta.fields },
    ),
  );

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-site-api-")), "sites.duckdb"));
  await applyMigrations(db);
  await buildSiteMarts(db, loadSiteStudy("examples/demonstration-sites"));
  app = createApp({ db, sessionSecret: randomBytes(32) });
  for (const role of ["uploader", "viewer"] as const) {
    await createUser(db, `t_${role}`, role, "a-long-test-password");
    tokens[role] = await createToken(db, `t_${role}`, "test");
  }
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("POST /api/v1/sites/uploads", () => {
  it("refuses a viewer", async () => {
    const res = await request(app)
      .post("/api/v1/sites/uploads")
      .set(as("viewer"))
      .field("study", "demonstration_sites")
      .attach(
        "file",
        forms((r) => r),
        "S08.csv",
      );
    expect(res.status).toBe(403);
  });

  it("answers 422 with the reasons in zh and en when every row is bad, and lands nothing", async () => {
    const res = await request(app)
      .post("/api/v1/sites/uploads")
      .set(as("uploader"))
      .field("study", "demonstration_sites")
      .attach(
        "file",
        forms((r) => ({ ...r, rules_1: "-1" })),
        "S08-bad.csv",
      );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("sites.upload.all_bad");
    expect(res.body.refusal.zh).toContain("第 2 行 rules_1 = -1：每个子项得分应在 0 到 5 分之间");
    const scores = await db.query("select 1 from site_scores__demonstration_sites where period = '2021H1'");
    expect(scores).toEqual([]);
  });

  it("lands an uploader's forms and the new half-year is in the site scores", async () => {
    const res = await request(app)
      .post("/api/v1/sites/uploads")
      .set(as("uploader"))
      .field("study", "demonstration_sites")
      .field("period", "2021H1")
      .attach(
        "file",
        forms((r) => r),
        "S08.csv",
      );
    expect(res.status).toBe(200);
    expect([res.body.n_landed, res.body.n_rejected]).toEqual([2, 0]);
    const scores = await db.query<{ site_id: string; n_ratings: number }>(
      "select site_id, n_ratings from site_scores__demonstration_sites where period = '2021H1' and n_ratings is not null",
    );
    expect(scores).toEqual([{ site_id: "S08", n_ratings: 2 }]);
  }, 120_000);
});
