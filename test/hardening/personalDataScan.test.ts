import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase, closeDatabase, type Database } from "../../db/index.ts";
import { exportRejects, formatIngestReport, type IngestResult, ingestFile } from "../../ingest/index.ts";
import { createRelease } from "../../models/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { writeSnapshot } from "../../server/sandbox/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";
import { type Hit, PersonalScan } from "../helpers/personalScan.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";

// The invariant behind "personal columns are dropped or replaced by an HMAC at ingest": after
// the demo and the bad-input corpus are loaded, with rejected and refused rows that carry
// names and phone numbers, no clear personal value is anywhere the product writes: not in
// any text column of any table (through SQL), not in any file under the database's folder
// (snapshots, releases, backup, exports, logs; decompressed), in UTF-8, GBK or UTF-16. The
// scan first finds values planted on purpose, to show it can.

const BAD = resolve(import.meta.dirname, "../fixtures/bad");
const KEY = Buffer.from("test-key"); // the demo database helper's key
let db: Database;
let demo: Study;
let dir: string;
let scan: PersonalScan;
const results: IngestResult[] = [];

/** The name and phone cells of a CSV (personal in both studies), and the header. */
function personalCells(text: string): string[] {
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
  const header = rows[0] ?? [];
  const at = ["name", "phone"].map((c) => header.indexOf(c)).filter((i) => i >= 0);
  return rows
    .slice(1)
    .flatMap((r) => at.map((i) => r[i] ?? ""))
    .filter((v) => v.trim() !== "");
}

/** Rejected rows with personal values: a demo file whose every row names an unknown township (refused, kept 7 days). */
function demoRejects(): string {
  const lines = readFileSync(join(demo.dir, "responses/wave-2026.csv"), "utf8").trim().split("\n");
  const header = lines[0]!.split(",");
  const [id, town, name, phone] = ["resp_id", "township_code", "name", "phone"].map((c) => header.indexOf(c));
  return [
    lines[0],
    ...lines.slice(1, 41).map((line, i) => {
      const cells = line.split(",");
      cells[id!] = `X-${i}`;
      cells[town!] = "T99";
      cells[name!] = `欧阳${"子丑寅卯辰巳午未申酉"[i % 10]}${"甲乙丙丁"[Math.floor(i / 10)]}`;
      cells[phone!] = `199${String(8800_0000 + i).padStart(8, "0")}`;
      return cells.join(",");
    }),
  ].join("\n");
}

beforeAll(async () => {
  ({ db, study: demo, dir } = await demoDatabase());
  const tiny = await loadStudy(writeStudy());
  const files = join(dir, "incoming");
  mkdirSync(files);
  const values: string[] = [];
  for (const wave of demo.waves)
    values.push(...personalCells(readFileSync(join(demo.dir, `responses/wave-${wave.id}.csv`), "utf8")));
  const load = async (study: Study, wave: string, path: string, extra: { sheet?: string } = {}) => {
    const result = await ingestFile(db, { study, waveId: wave, path, user: "scan", hmacKey: KEY, ...extra });
    results.push(result);
    return result;
  };
  // the bad-input corpus, into the tiny study
  for (const name of readdirSync(BAD)
    .filter((f) => f !== "README.md")
    .sort()) {
    const bytes = readFileSync(join(BAD, name));
    if (name.endsWith(".csv"))
      values.push(...personalCells(iconv.decode(bytes, name.startsWith("gbk") ? "gbk" : "utf8")));
    await load(tiny, "2024", join(BAD, name), name === "labels.xlsx" ? { sheet: "数据" } : {});
  }
  // rejected rows with personal values: loaded with some good rows (tiny), in UTF-8 and GBK
  const tinyRows = [
    "rid,town,village,sex,age,aw_union,league,phone,name",
    "p1,T1,V1,1,30,1,2,13912340001,司马相如",
    "p2,T1,V1,3,30,1,2,13912340002,诸葛孔明",
    "p3,T2,V3,2,120,1,2,13912340003,上官婉儿",
  ].join("\n");
  values.push(...personalCells(tinyRows));
  writeFileSync(join(files, "tiny.csv"), tinyRows);
  expect((await load(tiny, "2024", join(files, "tiny.csv"))).rejected).toBe(2);
  const gbkRows = tinyRows
    .replaceAll("p", "q")
    .replaceAll("1391234", "1381234")
    .replace("司马相如", "欧阳修");
  values.push(...personalCells(gbkRows));
  writeFileSync(join(files, "tiny-gbk.csv"), iconv.encode(gbkRows, "gbk"));
  expect((await load(tiny, "2024", join(files, "tiny-gbk.csv"))).rejected).toBe(2);
  // a demo file refused whole (every row rejected), and in strict mode: rejects kept 7 days
  const refused = demoRejects();
  values.push(...personalCells(refused));
  writeFileSync(join(files, "refused.csv"), refused);
  expect((await load(demo, "2026", join(files, "refused.csv"))).rejected).toBe(40);
  const strictFile = `${tinyRows.replaceAll("p", "s").replaceAll("1391234", "1371234")}`;
  values.push(...personalCells(strictFile));
  writeFileSync(join(files, "strict.csv"), strictFile);
  const strict = await ingestFile(db, {
    study: tiny,
    waveId: "2024",
    path: join(files, "strict.csv"),
    user: "scan",
    hmacKey: KEY,
    strict: true,
  });
  results.push(strict);
  expect(strict.refusal?.code).toBe("refuse.strict");
  // what the team uploads is theirs, not the product's: not scanned
  rmSync(files, { recursive: true });

  // everything the product writes from these: the CLI's reports (logs), rejects downloads,
  // an analytics snapshot, a release, a backup, and a server's log and exports
  mkdirSync(join(dir, "logs"));
  mkdirSync(join(dir, "exports"));
  writeFileSync(
    join(dir, "logs/ingest.log"),
    results
      .map((r) => `${formatIngestReport(r, "zh")}\n${formatIngestReport(r, "en")}\n${JSON.stringify(r)}`)
      .join("\n"),
  );
  for (const r of results.filter((x) => x.upload_id && x.rejected > 0)) {
    const chunks: Buffer[] = [];
    const out = new (await import("node:stream")).PassThrough();
    out.on("data", (c: Buffer) => chunks.push(c));
    await exportRejects(db, r.upload_id!, out);
    writeFileSync(join(dir, `exports/${r.upload_id}-rejects.csv`), Buffer.concat(chunks));
  }
  const analytics = new Analytics(db);
  await writeSnapshot(db, { dir: `${db.path}.snapshots`, tables: await analytics.relations() });
  const release = await createRelease(db, demo, "2026", "scan");
  await backupDatabase(db, join(dir, "backup"));

  let log = "";
  const app = createApp({ db, sessionSecret: randomBytes(32), logError: (m) => (log += `${m}\n`) });
  await createUser(db, "scan-admin", "admin", null);
  const token = await createToken(db, "scan-admin", "scan");
  const upload = await request(app)
    .post("/api/v1/uploads")
    .set("Authorization", `Bearer ${token}`)
    .field("study", demo.id)
    .field("wave", "2026")
    .attach("file", Buffer.from(refused.replaceAll("X-", "Y-")), "refused-again.csv");
  expect(upload.body.rejected).toBe(40);
  writeFileSync(join(dir, "logs/upload-response.json"), upload.text);
  const rejects = await request(app)
    .get(`/api/v1/uploads/${upload.body.upload_id}/rejects.csv`)
    .set("Authorization", `Bearer ${token}`);
  expect(rejects.status).toBe(200);
  writeFileSync(join(dir, "exports/server-rejects.csv"), rejects.text);
  for (const format of ["csv", "xlsx"]) {
    const res = await request(app)
      .get(`/api/v1/releases/${release.release_id}/scores?format=${format}`)
      .set("Authorization", `Bearer ${token}`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => done(null, Buffer.concat(chunks)));
      });
    writeFileSync(join(dir, `exports/scores.${format}`), res.body as Buffer);
  }
  writeFileSync(join(dir, "logs/server.log"), log);

  // a value that also occurs in the study's own files (a village, a label) identifies no one there
  const studyText = [demo.dir, tiny.dir]
    .flatMap((d) =>
      readdirSync(d, { recursive: true, withFileTypes: true })
        .filter((f) => f.isFile() && !f.parentPath.includes("responses"))
        .map((f) => join(f.parentPath, f.name)),
    )
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  // The one exemption: the raw table's open answers (staging onward holds them masked).
  const openItems = new Set((demo.open_answers?.items ?? []).map((o) => o.item));
  scan = new PersonalScan(
    values.filter((v) => !studyText.includes(v)),
    (table, column) => table.startsWith("raw_responses__") && openItems.has(column),
  );
}, 600_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

const show = (hits: Hit[]) => hits.slice(0, 10).map((h) => `${h.value} in ${h.where}`);

describe("no clear personal value anywhere the product writes", () => {
  it("the scan finds values planted on purpose: in a table, and in files in GBK, UTF-16 (gzipped) and xlsx", async () => {
    expect(scan.size).toBeGreaterThan(5000);
    // in a database of its own, so that nothing planted reaches the demo's files (its WAL)
    await db.run("attach ':memory:' as planted_db");
    await db.run("create table planted_db.main.planted (note json, names varchar[])");
    await db.run(`insert into planted_db.main.planted values ('{"who": "司马相如"}', ['x', '13912340002'])`);
    expect(show(await scan.scanDatabase(db, "planted_db")).sort()).toEqual([
      "13912340002 in planted_db.main.planted.names",
      "司马相如 in planted_db.main.planted.note",
    ]);
    await db.run("detach planted_db");
    const planted = join(dir, "planted");
    mkdirSync(planted);
    writeFileSync(join(planted, "a.txt"), iconv.encode("备注：诸葛孔明", "gbk"));
    writeFileSync(join(planted, "b.log.gz"), gzipSync(Buffer.from("phone 13912340003", "utf16le")));
    const book = new ExcelJS.Workbook();
    book.addWorksheet("s").addRow(["上官婉儿"]);
    writeFileSync(join(planted, "c.xlsx"), Buffer.from(await book.xlsx.writeBuffer()));
    const found = (await scan.scanFiles(db, planted)).map(
      (h) => `${h.value} in ${h.where.slice(planted.length + 1)}`,
    );
    rmSync(planted, { recursive: true });
    expect(found.sort()).toEqual([
      "13912340003 in b.log.gz (gunzip)",
      "上官婉儿 in c.xlsx!xl/sharedStrings.xml",
      "诸葛孔明 in a.txt",
    ]);
  });

  it("no text column of any table holds one", async () => {
    expect(show(await scan.scanDatabase(db))).toEqual([]);
  });

  it("no file holds one: snapshots, releases, backup, exports, logs", async () => {
    const written = readdirSync(dir, { recursive: true }).map(String);
    for (const kind of ["snapshots", "releases", "backup", "exports/", "logs/"])
      expect(
        written.some((f) => f.includes(kind)),
        kind,
      ).toBe(true);
    // the live database file is scanned through SQL above (it is open here)
    expect(show(await scan.scanFiles(db, dir, (p) => p === db.path))).toEqual([]);
  });
});
