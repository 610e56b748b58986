import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { get as httpGet, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import ExcelJS from "exceljs";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { message, messages } from "../../messages/catalogue.ts";
import { modelEvents } from "../../models/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { escapeCell, toCsv, toXlsx } from "../../server/exports.ts";
import { createApp } from "../../server/index.ts";
import { Writer } from "../../server/writer.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// toXlsx runs as it is; the spy only counts the workbooks built
vi.mock("../../server/exports.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../server/exports.ts")>();
  return { ...real, toXlsx: vi.fn(real.toXlsx) };
});

// The JSON API in-process (supertest) over a real demo database, with the real SQL sandbox
// child process over a real analytics snapshot.

let db: Database;
let study: Study;
let analytics: Analytics;
let app: ReturnType<typeof createApp>;
/** The app's writer: a test waits on it for the model run an upload leaves running. */
const writer = new Writer();
const tokens: Record<string, string> = {};
const refresh = () => analytics.refresh();

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
  analytics = new Analytics(db, { timeoutMs: 5000 });
  await analytics.start();
  modelEvents.on("finished", refresh);
  app = createApp({
    db,
    analytics,
    writer,
    sessionSecret: randomBytes(32),
    maxUploadBytes: 2 * 1024 * 1024,
  });
  for (const role of ["admin", "uploader", "analyst", "viewer", "assessment"] as const) {
    await createUser(db, `t_${role}`, role, role === "assessment" ? null : "a-long-test-password");
    tokens[role] = await createToken(db, `t_${role}`, "test");
  }
}, 300_000);
afterAll(async () => {
  await writer.idle();
  modelEvents.off("finished", refresh);
  await analytics?.stop();
  if (db) await closeDatabase(db);
});

const as = (role: string) => ({ Authorization: `Bearer ${tokens[role]}` });

/** A workbook download as a viewer, its bytes in `body`. */
function getXlsx(url: string) {
  return request(app)
    .get(url)
    .set(as("viewer"))
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    });
}

describe("scores API", () => {
  let releaseId: string;

  it("an admin creates a release; others may not", async () => {
    const denied = await request(app)
      .post("/api/v1/releases")
      .set(as("analyst"))
      .send({ study: study.id, wave: "2026" });
    expect(denied.status).toBe(403);
    const res = await request(app)
      .post("/api/v1/releases")
      .set(as("admin"))
      .send({ study: study.id, wave: "2026" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      study_id: study.id,
      wave_id: "2026",
      release_id: `${study.id}-2026-r1`,
    });
    releaseId = res.body.release_id;
  });

  it("serves filtered scores as JSON with the contract's columns, an ETag and 304 on revalidation", async () => {
    const url = `/api/v1/releases/${releaseId}/scores?organization=union&level=township&index=awareness&org_level=township`;
    const res = await request(app).get(url).set(as("assessment")).set("Accept-Encoding", "identity");
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.body.rows.length).toBe(50);
    const row = res.body.rows[0];
    expect(Object.keys(row)).toEqual(res.body.columns);
    expect(row).toMatchObject({
      release_id: releaseId,
      organization_id: "union",
      unit_level: "township",
      index_id: "awareness",
      wave_id: "2026",
    });
    for (const r of res.body.rows) {
      if (r.is_withheld)
        expect([r.estimate_0_100, r.n, r.withheld_reason === "" ? "reason" : null]).toEqual([
          null,
          null,
          null,
        ]);
      else expect(r.ci_low_0_100).toBeLessThanOrEqual(r.estimate_0_100);
    }
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers["cache-control"]).toBe("private, no-cache");
    const again = await request(app).get(url).set(as("assessment")).set("If-None-Match", res.headers.etag!);
    expect(again.status).toBe(304);
    const other = await request(app)
      .get(`/api/v1/releases/${releaseId}/scores?organization=youth_league`)
      .set(as("assessment"));
    expect(other.headers.etag).not.toBe(res.headers.etag);
  });

  it("gzips JSON for clients that accept it: the same body, its own ETag, either ETag revalidates", async () => {
    const url = `/api/v1/releases/${releaseId}/scores?organization=union&level=township`;
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    // node:http does not decompress: the bytes on the wire
    const get = (encoding: string) =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        httpGet(
          `http://127.0.0.1:${port}${url}`,
          { headers: { ...as("assessment"), "Accept-Encoding": encoding } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          },
        ).on("error", reject);
      });
    try {
      const plain = await get("identity");
      const zipped = await get("gzip, deflate, br");
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(zipped.headers.vary).toContain("Accept-Encoding");
      expect(zipped.body.length * 10).toBeLessThan(plain.body.length);
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect(JSON.parse(plain.body.toString()).rows.length).toBeGreaterThan(100);
      expect(zipped.headers.etag).toBe(`${plain.headers.etag!.slice(0, -1)}-gzip"`);
      for (const etag of [plain.headers.etag!, zipped.headers.etag!]) {
        const again = await request(app).get(url).set(as("assessment")).set("If-None-Match", etag);
        expect(again.status).toBe(304);
      }
    } finally {
      server.close();
    }
  });

  it("serves CSV and XLSX with the same rows", async () => {
    const base = `/api/v1/releases/${releaseId}/scores?level=district`;
    const json = await request(app).get(base).set(as("viewer"));
    const csv = await request(app).get(`${base}&format=csv`).set(as("viewer"));
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.text
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]!.split(",")).toEqual(json.body.columns);
    expect(lines.length - 1).toBe(json.body.rows.length);
    const xlsx = await getXlsx(`${base}&format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount).toBe(json.body.rows.length + 1);
  });

  it("builds a release's scores workbook once per filter and serves it from memory after", async () => {
    const built = vi.mocked(toXlsx);
    const get = (q: string) => getXlsx(`/api/v1/releases/${releaseId}/scores?${q}&format=xlsx`);
    const before = built.mock.calls.length;
    // three at once share one build; a later one is the same bytes
    const [a, b, c] = await Promise.all([
      get("level=township"),
      get("level=township"),
      get("level=township"),
    ]);
    const later = await get("level=township");
    expect(built.mock.calls.length - before).toBe(1);
    for (const r of [b, c, later]) expect(Buffer.compare(r!.body, a!.body)).toBe(0);
    // an unknown parameter makes no new workbook; another filter does
    await get("level=township&x=1");
    expect(built.mock.calls.length - before).toBe(1);
    await get("organization=union&level=township");
    expect(built.mock.calls.length - before).toBe(2);
  });

  it("refuses a filter value the release does not hold, naming it and the allowed ones", async () => {
    const get = (q: string) =>
      request(app).get(`/api/v1/releases/${releaseId}/scores?${q}`).set(as("assessment"));
    for (const [q, named, allowed] of [
      ["organization=unionx", 'organization="unionx"', "union, womens_federation, youth_league"],
      ["level=county", 'level="county"', "allowed: district, township"],
      ["index=foo", 'index="foo"', "approval"],
    ] as const) {
      const res = await get(q);
      expect([res.status, res.body.error.code]).toEqual([400, "bad_parameter"]);
      expect(res.body.error.message).toContain(named);
      expect(res.body.error.message).toContain(allowed);
    }
    // a village code list is not spelled out: its count and a few
    const unit = await get("unit=T01V999");
    expect(unit.status).toBe(400);
    expect(unit.body.error.message).toMatch(/allowed: \d+ values, such as /);
    expect(unit.body.error.message.length).toBeLessThan(300);
    expect((await get("organization=union&level=township")).status).toBe(200);
  });

  it("a superseded release says by which, and its answers are no longer revalidated as current", async () => {
    const url = `/api/v1/releases/${releaseId}/scores?organization=union&level=district`;
    const before = await request(app).get(url).set(as("assessment"));
    expect(before.body.release.superseded_by).toBeNull();
    const created = await request(app)
      .post("/api/v1/releases")
      .set(as("admin"))
      .send({ study: study.id, wave: "2026" });
    expect(created.status).toBe(201);
    const next = created.body.release_id as string;
    expect(next).not.toBe(releaseId);
    const record = await request(app).get(`/api/v1/releases/${releaseId}`).set(as("assessment"));
    expect(record.body).toMatchObject({ release_id: releaseId, superseded_by: next });
    const list = await request(app).get(`/api/v1/releases?study=${study.id}`).set(as("assessment"));
    expect(
      list.body.releases.map((r: { release_id: string; superseded_by: string | null }) => [
        r.release_id,
        r.superseded_by,
      ]),
    ).toEqual([
      [releaseId, next],
      [next, null],
    ]);
    const after = await request(app)
      .get(url)
      .set(as("assessment"))
      .set("If-None-Match", before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.body.release.superseded_by).toBe(next);
    expect(after.body.rows).toEqual(before.body.rows);
  });

  it("an unknown release is a 404 JSON error", async () => {
    const res = await request(app).get("/api/v1/releases/nope-r1/scores").set(as("assessment"));
    expect([res.status, res.body.error.code]).toEqual([404, "no_release"]);
  });

  it("exported cells that look like formulas are escaped", () => {
    expect(escapeCell('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
    expect(escapeCell("+1+A1")).toBe("'+1+A1");
    expect(escapeCell("-1-A1")).toBe("'-1-A1");
    expect(escapeCell("-1")).toBe("-1"); // a plain number is never a formula
    expect(escapeCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(escapeCell(-1)).toBe(-1);
    expect(toCsv(["a"], [["=1+1"]])).toBe("\uFEFFa\r\n'=1+1\r\n");
  });
});

describe("uploads API", () => {
  it("recognises a file already loaded, and refuses an empty one with the reason", async () => {
    const file = readFileSync(join(study.dir, "responses/wave-2024.csv"));
    const dup = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2024")
      .attach("file", file, "wave-2024.csv");
    expect(dup.status, JSON.stringify(dup.body)).toBe(200);
    expect(dup.body).toMatchObject({ status: "duplicate", figures: "unchanged" });
    const empty = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2024")
      .attach("file", Buffer.alloc(0), "empty.csv");
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({
      status: "refused",
      refusal: { code: "refuse.empty_file" },
      figures: "unchanged",
      figures_url: null,
    });
  });

  it("refuses, loudly, an upload in which every row is rejected", async () => {
    // two respondents the wave already holds: both rows rejected, so nothing lands
    const lines = readFileSync(join(study.dir, "responses/wave-2024.csv"), "utf8").trimEnd().split("\n");
    const before = await db.query<{ n: number }>("select count(*)::int as n from uploads");
    const res = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2024")
      .attach("file", Buffer.from(`${lines.slice(0, 3).join("\n")}\n`), "调查数据-2024-重复.csv");
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      status: "refused",
      accepted: 0,
      rejected: 2,
      refusal: {
        code: "refuse.all_rejected",
        // a browser sends the file name's UTF-8 bytes as they are: read as UTF-8, not Latin-1
        ...messages("refuse.all_rejected", { count: 2, file: "调查数据-2024-重复.csv" }),
      },
      errors: [{ reason: "reject.duplicate_id_in_wave", count: 2 }],
    });
    expect(await db.query<{ n: number }>("select count(*)::int as n from uploads")).toEqual(before);
  });

  it("the upload page states the rules, and the policy on repeated ids", async () => {
    const page = await request(app).get("/upload?lang=zh").set(as("uploader"));
    expect(page.status).toBe(200);
    expect(page.text).toContain(message("ui.duplicate_ids_policy", "zh"));
    expect(page.text).toContain(message("ui.upload_rules", "zh"));
  });

  it("answers a replacing upload at its commit, then reruns the models and refreshes the analysts' snapshot", async () => {
    const [{ upload_id }] = (await db.query<{ upload_id: string }>(
      "select upload_id from uploads where wave_id = '2024' and status = 'loaded'",
    )) as [{ upload_id: string }];
    const lines = readFileSync(join(study.dir, "responses/wave-2024.csv"), "utf8").trimEnd().split("\n");
    const fewer = `${lines.filter((_, i) => i === 0 || i % 40 !== 0).join("\n")}\n`;
    const res = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2024")
      .field("replace", upload_id)
      .attach("file", Buffer.from(fewer), "wave-2024-fixed.csv");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // the report comes at the upload's commit; the model run follows in the background
    expect(res.body).toMatchObject({
      status: "loaded",
      rejected: 0,
      figures: "updating",
      model_run_error: null,
    });
    const id = res.body.upload_id as string;
    expect(res.body.figures_url).toBe(`/api/v1/uploads/${id}/figures`);
    const state = () => request(app).get(res.body.figures_url).set(as("uploader"));
    // a model run of the demo takes seconds: it is still queued or running when the client asks
    expect((await state()).body).toMatchObject({ upload_id: id, figures: "updating" });
    const history0 = await request(app).get(`/api/v1/uploads?study=${study.id}`).set(as("uploader"));
    expect(history0.body.uploads.find((u: { upload_id: string }) => u.upload_id === id)).toMatchObject({
      figures_pending: true,
    });
    // the history says the replaced upload is superseded already, before the marts do
    expect(history0.body.uploads.find((u: { upload_id: string }) => u.upload_id === upload_id)).toMatchObject(
      { status: "superseded", figures_pending: false },
    );
    // the direct figures come first, then the model-based (small-area) ones; the pages say
    // which are still updating while the second step runs
    const seen: string[] = [];
    let pageMeanwhile = "";
    for (;;) {
      const now = (await state()).body.figures as string;
      if (seen.at(-1) !== now) seen.push(now);
      if (now !== "updating" && now !== "direct_updated") break;
      if (now === "direct_updated" && !pageMeanwhile)
        pageMeanwhile = (await request(app).get("/?lang=zh").set(as("viewer"))).text;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual(["updating", "direct_updated", "updated"]);
    expect(pageMeanwhile).toContain(message("page.model_figures_updating", "zh", { n: "1" }));
    expect(pageMeanwhile).not.toContain(message("page.figures_updating", "zh", { n: "1" }));
    await writer.idle();
    // two runs, each its own transaction: the second holds the uploads the first saw
    const steps = await db.query<{ scope: string; status: string; same: boolean }>(
      `select scope, status, data_as_of = first_value(data_as_of) over (order by started_at) as same
       from (select * from model_runs order by started_at desc limit 2) order by started_at`,
    );
    expect(steps).toEqual([
      { scope: "direct", status: "succeeded", same: true },
      { scope: "later", status: "succeeded", same: true },
    ]);
    const [run] = await db.query<{ run_id: string }>(
      "select run_id from model_runs where status = 'succeeded' order by started_at desc limit 1",
    );
    expect((await state()).body).toEqual({
      upload_id: id,
      study: study.id,
      figures: "updated",
      model_run_id: run!.run_id,
      model_run_error: null,
    });
    const expected = lines.length - 1 - Math.floor((lines.length - 1) / 40);
    await refresh();
    const sql = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst"))
      .send({ sql: `select count(*) as n from stg_responses__${study.id} where wave_id = '2024'` });
    expect(sql.body.rows).toEqual([[expected]]);
    const history = await request(app).get(`/api/v1/uploads?study=${study.id}`).set(as("uploader"));
    expect(history.body.uploads.map((u: { status: string }) => u.status).sort()).toEqual([
      "loaded",
      "loaded",
      "loaded",
      "superseded",
    ]);
  });

  it("answers a retraction at its commit, then reruns the models without the retracted rows", async () => {
    const count = async () =>
      (
        await db.query<{ n: number }>(
          `select count(*)::integer as n from int_responses_calibrated__${study.id} where wave_id = '2025'`,
        )
      )[0]!.n;
    const before = await count();
    // five new respondents of wave 2025 (the wave's first rows with new ids), loaded and modelled
    const lines = readFileSync(join(study.dir, "responses/wave-2025.csv"), "utf8").trimEnd().split("\n");
    const extra = lines
      .slice(1, 6)
      .map((line, i) => `2025-9${String(i).padStart(4, "0")}${line.slice(line.indexOf(","))}`);
    const up = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2025")
      .field("wait", "figures")
      .attach("file", Buffer.from(`${[lines[0], ...extra].join("\n")}\n`), "extra-2025.csv");
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body).toMatchObject({ status: "loaded", accepted: 5, figures: "updated" });
    expect(await count()).toBe(before + 5);

    const id = up.body.upload_id as string;
    const res = await request(app).post(`/api/v1/uploads/${id}/retract`).set(as("uploader"));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      upload_id: id,
      status: "retracted",
      figures: "updating",
      model_run_error: null,
      figures_url: `/api/v1/uploads/${id}/figures`,
    });
    // the answer came before the model run: the marts still hold the five
    expect(await count()).toBe(before + 5);
    expect((await request(app).get(res.body.figures_url).set(as("uploader"))).body).toMatchObject({
      figures: "updating",
    });
    await writer.idle();
    expect(await count()).toBe(before);
    expect((await request(app).get(res.body.figures_url).set(as("uploader"))).body).toMatchObject({
      figures: "updated",
      model_run_error: null,
    });
    // a second retraction of the same upload is refused, and runs nothing
    const again = await request(app).post(`/api/v1/uploads/${id}/retract`).set(as("uploader"));
    expect(again.status).toBe(409);
  });

  it("maps header cells as the ingest will (the upload preview asks): names, numbered labels, each item once", async () => {
    const sex = study.codebookForWave("2024").item("sex")!;
    const header = [study.respondent_id, `1、${sex.label.zh}：`, "sex", "submitted_at"];
    const res = await request(app)
      .post(`/api/v1/studies/${study.id}/column-mapping`)
      .set(as("uploader"))
      .send({ wave: "2024", header });
    expect(res.status).toBe(200);
    expect(res.body.mapping.mapped).toEqual([
      { column: "0", header: study.respondent_id, item: study.respondent_id, by: "name" },
      { column: "1", header: `1、${sex.label.zh}：`, item: "sex", by: "label_zh" },
    ]);
    expect(res.body.mapping.ignored).toEqual(["sex", "submitted_at"]);
    const bad = await request(app)
      .post(`/api/v1/studies/${study.id}/column-mapping`)
      .set(as("uploader"))
      .send({ header: "resp_id" });
    expect([bad.status, bad.body.error?.code]).toEqual([400, "bad_parameter"]);
  });

  it("refuses a file over the size limit with 413", async () => {
    const res = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", study.id)
      .field("wave", "2024")
      .attach("file", Buffer.alloc(3 * 1024 * 1024, 65), "big.csv");
    expect([res.status, res.body.error?.code]).toEqual([413, "bad_upload"]);
  });
});

describe("SQL API", () => {
  it("runs one read-only statement in the sandbox and flags truncation", async () => {
    const res = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst"))
      .send({ sql: `select * from index_scores__${study.id}`, max_rows: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, truncated: true });
    expect(res.body.rows).toHaveLength(5);
  });

  it("refuses writes, file reads and settings, and keeps serving", async () => {
    for (const [sql, code] of [
      [`delete from index_scores__${study.id}`, "not_read_only"],
      ["select * from read_csv('/etc/passwd')", "forbidden"],
      ["set memory_limit = '10GB'", "not_read_only"],
      ["select 1; select 2", "not_one_statement"],
      ["select * from uploads", "query_failed"],
    ] as const) {
      const res = await request(app).post("/api/v1/sql").set(as("analyst")).send({ sql });
      expect([sql, res.body.error?.code]).toEqual([sql, code]);
    }
    const ok = await request(app).post("/api/v1/sql").set(as("analyst")).send({ sql: "select 42 as answer" });
    expect(ok.body.rows).toEqual([[42]]);
  });

  it("downloads CSV and Arrow", async () => {
    const csv = await request(app)
      .post("/api/v1/sql?format=csv")
      .set(as("analyst"))
      .send({ sql: "select 1 as a, '=x' as b" });
    expect(csv.text).toBe("\uFEFFa,b\r\n1,'=x\r\n");
    const arrow = await request(app)
      .post("/api/v1/sql?format=arrow")
      .set(as("analyst"))
      .send({ sql: "select 1 as a" })
      .buffer(true);
    expect(arrow.headers["content-type"]).toContain("arrow");
  });

  it("audits SQL queries", async () => {
    const rows = await db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where action = 'sql' and user_name = 't_analyst'",
    );
    expect(rows[0]!.n).toBeGreaterThan(3);
  });
});

describe("figures and docs", () => {
  it("serves the overview's figures with filters, suppression applied", async () => {
    const res = await request(app)
      .get(`/api/v1/studies/${study.id}/figures?wave=2025&unit_level=district`)
      .set(as("viewer"));
    expect(res.status).toBe(200);
    expect(res.body.rows.length).toBe(3 * 10);
    expect(res.body.rows.every((r: { unit_name_en: string }) => r.unit_name_en === "District")).toBe(true);
  });

  it("refuses a filter value the figures do not hold, naming it and the allowed ones", async () => {
    const ask = (query: string) =>
      request(app).get(`/api/v1/studies/${study.id}/figures?${query}`).set(as("viewer"));
    const org = await ask("wave=2025&organization=unionx");
    expect(org.status).toBe(400);
    expect(org.body.error.message).toBe(
      'organization="unionx" is not among the figures; allowed: union, womens_federation, youth_league',
    );
    const wave = await ask("wave=1999");
    expect(wave.status).toBe(400);
    expect(wave.body.error.message).toBe('wave="1999" is not among the figures; allowed: 2024, 2025, 2026');
    const level = await ask("org_level=county");
    expect(level.status).toBe(400);
    expect(level.body.error.message).toMatch(
      /^org_level="county" is not among the figures; allowed: .*township/,
    );
    // values that each exist are fine, even where they hold nothing together: 200, no rows
    const none = await ask("wave=2025&unit_level=village&group_var=sex");
    expect(none.status).toBe(200);
    expect(none.body.rows).toEqual([]);
  });

  it("serves the OpenAPI document publicly", async () => {
    const res = await request(app).get("/api/docs");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toContain("/releases/{id}/scores");
  });
});
