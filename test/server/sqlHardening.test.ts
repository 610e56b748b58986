import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";

// What the security audit found wrong with the JSON API, on a real database file, the real
// SQL sandbox child and the app in-process: body errors answered 500, a query that left no
// audit row, one analyst's heavy queries starving everyone, a figures cache that grew with
// every unknown parameter, uncompressed JSON, and numbers escaped as formulas in XLSX.
// Expected values are the rows the fixture writes, counted by hand.

let dir: string;
let db: Database;
let analytics: Analytics;
let app: ReturnType<typeof createApp>;
const tokens: Record<string, string> = {};
const as = (user: string) => ({ Authorization: `Bearer ${tokens[user]}` });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-sql-hardening-"));
  db = await openDatabase(join(dir, "t.duckdb"));
  await db.run(
    `create table stg_cells as select * from (values
       (1, -2.00::decimal(6,2), '=1+1', ' =HYPERLINK("x")', -2, 'plain'),
       (2, 3.50::decimal(6,2), '\n=cmd', '-2', 0, '@SUM(A1)')
     ) t(id, amount, formula, spaced, delta, note)`,
  );
  await db.run(
    `create table index_scores__demo as select 'w1' as wave_id, 'org' as organization_id, 'idx' as index_id,
       'all' as aspect, 'district' as unit_level, 'd' as unit_code, 'township' as org_level, '' as group_var,
       '' as group_value, range as estimate_0_100 from range(200)`,
  );
  await db.run(
    "create table seed_units__demo as select 'district' as unit_level, 'd' as unit_code, '区' as name_zh, 'D' as name_en",
  );
  analytics = new Analytics(db, { timeoutMs: 4000 });
  await analytics.start();
  app = createApp({ db, analytics, sessionSecret: randomBytes(32) });
  for (const [name, role] of [
    ["admin1", "admin"],
    ["analyst1", "analyst"],
    ["viewer1", "viewer"],
  ] as const) {
    await createUser(db, name, role, "a-long-test-password");
    tokens[name] = await createToken(db, name, "test");
  }
}, 120_000);

afterAll(async () => {
  await analytics?.stop();
  if (db) await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

async function auditRows(): Promise<Record<string, unknown>[]> {
  const rows = await db.query<{ detail: string }>(
    "select detail::varchar as detail from audit_log where action = 'sql' order by rowid",
  );
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

describe("4xx, not 500, for bad requests", () => {
  it("answers a SQL body over 256 kB with 413", async () => {
    const res = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst1"))
      .send({ sql: `select 1 -- ${"x".repeat(300 * 1024)}` });
    expect([res.status, res.body.error?.code]).toEqual([413, "body_too_large"]);
    expect(res.body.error.message).toBe(message("api.body_too_large", "zh", { limit: "256 kB" }));
  });

  it("answers malformed JSON with 400", async () => {
    const res = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst1"))
      .set("Content-Type", "application/json")
      .set("Accept-Language", "en")
      .send('{"sql": "select 1"');
    expect([res.status, res.body.error?.code, res.body.error?.message]).toEqual([
      400,
      "bad_json",
      message("api.bad_json", "en"),
    ]);
  });

  it("answers a lone surrogate with 400 and still writes the audit row", async () => {
    const before = (await auditRows()).length;
    const res = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst1"))
      .set("Content-Type", "application/json")
      .send('{"sql": "select * from enable_logging() /* \\ud800 */"}');
    expect([res.status, res.body.error?.code]).toEqual([400, "bad_request"]);
    // "select * from enable_logging() /* " is 34 characters: the surrogate is the 35th
    expect(res.body.error.message).toBe(message("api.sql_invalid_text", "zh", { position: 35 }));
    const rows = await auditRows();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({
      ok: false,
      error: "bad_request",
      sql: "select * from enable_logging() /* \uFFFD */",
    });
  });

  it("answers POST /signout without a body with 403, not a TypeError", async () => {
    const agent = request.agent(app);
    const signin = await agent
      .post("/signin")
      .type("form")
      .send({ user: "viewer1", password: "a-long-test-password" });
    expect(signin.status).toBe(303);
    const res = await agent.post("/signout");
    expect([res.status, res.body.error?.code]).toEqual([403, "csrf"]);
  });
});

describe("the SQL API's audit rows and sandbox refusals", () => {
  it("writes the audit row of a query whose child dies under it", async () => {
    const before = (await auditRows()).length;
    const pending = request(app)
      .post("/api/v1/sql")
      .set(as("analyst1"))
      .send({ sql: "select count(*) from range(100000000000)" })
      .then((r) => r);
    // wait until the query runs in the child, then kill the child
    await expect.poll(() => analytics.sandbox.running, { timeout: 30_000 }).toBe(1);
    process.kill(analytics.sandbox.childPid!, "SIGKILL");
    const res = await pending;
    expect([res.status, res.body.error?.code]).toEqual([503, "sandbox_crashed"]);
    const rows = await auditRows();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ ok: false, error: "sandbox_crashed" });
  });

  it("refuses enable_logging() and duckdb_databases() with 403, and audits both", async () => {
    for (const sql of ["SELECT * FROM enable_logging(['QueryLog'])", "select path from duckdb_databases()"]) {
      const res = await request(app).post("/api/v1/sql").set(as("analyst1")).send({ sql });
      expect([res.status, res.body.error?.code], sql).toEqual([403, "forbidden"]);
      expect(JSON.stringify(res.body)).not.toContain(dir);
      expect((await auditRows()).at(-1)).toMatchObject({ sql, ok: false, error: "forbidden" });
    }
  });
});

describe("one analyst does not starve everyone", () => {
  it("keeps an admin's SELECT 1 answering, and tells the heavy user 429 past the quota", async () => {
    const heavy = Array.from({ length: 17 }, () =>
      request(app)
        .post("/api/v1/sql")
        .set(as("analyst1"))
        // range(1e11) as the audit wrote it; DuckDB 1.5 wants the count as an integer
        .send({ sql: "SELECT count(*) FROM range(100000000000)" })
        .then((r) => r),
    );
    const started = Date.now();
    const admin = await request(app).post("/api/v1/sql").set(as("admin1")).send({ sql: "SELECT 1 as one" });
    const adminMs = Date.now() - started;
    expect([admin.status, admin.body.rows]).toEqual([200, [[1]]]);
    expect(adminMs).toBeLessThan(3500); // less than one heavy query's 4 s time limit
    const results = await Promise.all(heavy);
    const statuses = results.map((r) => r.status).sort();
    // four accepted (one runs, three wait, each stopped at its time limit), thirteen refused
    expect(statuses).toEqual([...Array(4).fill(408), ...Array(13).fill(429)]);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.error).toEqual({
      code: "quota",
      message: message("api.sql_quota", "zh", { count: 4 }),
    });
  }, 60_000);
});

describe("responses and caches", () => {
  it("compresses JSON answers by default", async () => {
    const res = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst1"))
      .set("Accept-Encoding", "gzip")
      .send({ sql: "select range as i, 'row ' || range as label from range(500)" });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(res.body.rows).toHaveLength(500);
  });

  it("keys the figures cache on the filters it reads, not on unknown parameters", async () => {
    const url = "/api/v1/studies/demo/figures?org_level=township";
    const first = await request(app).get(url).set(as("viewer1"));
    expect([first.status, first.body.rows.length]).toEqual([200, 200]);
    // a change the cache cannot know of (no model run): only a fresh query would see it
    await db.run(
      "insert into index_scores__demo select * replace (1000 as estimate_0_100) from index_scores__demo limit 1",
    );
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get(`${url}&utm_source=${i}`).set(as("viewer1"));
      expect(res.body.rows.length).toBe(200); // the cached answer, not a new entry
    }
  });
});

describe("XLSX: numbers stay numbers, formulas are escaped", () => {
  it("writes DECIMAL and integers as number cells and escapes only formula-looking text", async () => {
    const res = await request(app)
      .post("/api/v1/sql?format=xlsx")
      .set(as("analyst1"))
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => done(null, Buffer.concat(chunks)));
      })
      .send({ sql: "select * from stg_cells order by id" });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as never);
    const sheet = workbook.getWorksheet("query")!;
    const row = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(row(1)).toEqual(["id", "amount", "formula", "spaced", "delta", "note"]);
    expect(row(2)).toEqual([1, -2, "'=1+1", '\' =HYPERLINK("x")', -2, "plain"]);
    expect(row(3)).toEqual([2, 3.5, "'\n=cmd", "-2", 0, "'@SUM(A1)"]);
  });
});
