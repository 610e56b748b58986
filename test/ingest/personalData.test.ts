import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations, closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { exportRejects, ingestFile, rawTableName, retractUpload } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { CODEBOOK, writeStudy } from "../helpers/tinyStudy.ts";

// The study's personal-data rules (phone: hmac, name: drop) hold for rejected rows too: the
// quarantine, the rejected-rows download, the report's first errors. Expected hashes come
// from Node's crypto.createHmac, independent of the SQL HMAC under test.

const KEY = Buffer.from("personal-test-key");
const HEADER = "rid,town,village,sex,age,aw_union,league,phone,name";
const hmac = (value: string) => createHmac("sha256", KEY).update(value).digest("hex");

let dir: string;
let db: Database;
let study: Study;

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ingest = (path: string, extra: Partial<Parameters<typeof ingestFile>[1]> = {}) =>
  ingestFile(db, { study, waveId: "2024", path, user: "tester", hmacKey: KEY, ...extra });

async function download(uploadId: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await exportRejects(db, uploadId, out);
  return Buffer.concat(chunks).toString("utf8");
}

/** Every text stored about rejected rows, as one string to search. */
async function quarantineText(): Promise<string> {
  const rows = await db.query<{ t: string }>(
    `select coalesce(string_agg(cells::varchar, '|'), '') || coalesce((select string_agg(coalesce(value, ''), '|') from quarantine), '') as t
     from quarantine_rows`,
  );
  return rows[0]!.t;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-personal-"));
  // phone numbers are checked as such: a wrong one is a rejected row whose value is personal
  study = await loadStudy(
    writeStudy({
      "codebook.yaml": CODEBOOK.replace(
        "name: phone, label: { zh: 联系电话, en: Phone }, personal: yes",
        () =>
          "name: phone, label: { zh: 联系电话, en: Phone }, personal: yes, constraint: \"regex(., '^1[0-9]{10}$')\"",
      ),
    }),
  );
  db = await openDatabase(join(dir, "test.duckdb"));
});
afterEach(async () => {
  await closeDatabase(db);
});

describe("personal data in rejected rows", () => {
  it("stores and serves a rejected row with the name empty and the phone as its marked hash", async () => {
    const result = await ingest(
      file(
        "a.csv",
        [
          HEADER,
          "r1,T1,V1,1,30,1,2,13800000001,张三",
          "r2,T1,V1,3,30,1,2,13800000002,李四", // sex 3: rejected
          "r3,T1,V1,1,30,1,2,12345,王五", // not a phone number: rejected on the personal column
        ].join("\n"),
      ),
    );
    expect(result).toMatchObject({ status: "loaded", accepted: 1, rejected: 2 });
    const stored = await quarantineText();
    for (const clear of ["13800000002", "李四", "12345", "王五"]) expect(stored).not.toContain(clear);
    const cells = await db.query<{ cells: string }>(
      "select cells::varchar as cells from quarantine_rows order by source_row",
    );
    expect(cells.map((c) => JSON.parse(c.cells))).toEqual([
      ["r2", "T1", "V1", "3", "30", "1", "2", `hmac:${hmac("13800000002")}`, null],
      ["r3", "T1", "V1", "1", "30", "1", "2", `hmac:${hmac("12345")}`, null],
    ]);
    const values = await db.query<{ column_name: string; value: string | null }>(
      "select column_name, value from quarantine order by source_row",
    );
    expect(values).toEqual([
      { column_name: "sex", value: "3" },
      { column_name: "phone", value: `hmac:${hmac("12345")}` },
    ]);
    // the report's first errors: the same masked value
    const first = result.errors.find((e) => e.column === "phone")?.first;
    expect(first).toMatchObject([{ row: 4, value: `hmac:${hmac("12345")}` }]);
    // the sentences made from it (row, column, value, reason) show the hash, never "12345"
    expect(JSON.stringify(first)).not.toMatch(/"12345"|= 12345/);
    // the download: name empty, phone hashed, and the report says why
    expect(await download(result.upload_id!)).toBe(
      `${HEADER}\r\nr2,T1,V1,3,30,1,2,hmac:${hmac("13800000002")},\r\nr3,T1,V1,1,30,1,2,hmac:${hmac("12345")},\r\n`,
    );
    expect(result.rejects_note?.en).toBe(
      "The rejected rows hold no personal data: name dropped (left empty), phone shown as a keyed hash (hmac:…). Keep hmac: values as they are when you upload the fixed rows, so respondents stay linkable.",
    );
    expect(result.personal).toEqual([
      { column: "phone", action: "hmac" },
      { column: "name", action: "drop" },
    ]);
  });

  it("keeps a marked hash as it is on re-upload (never hashes a hash): fixed rejects stay linkable", async () => {
    const first = await ingest(
      file(
        "a.csv",
        [HEADER, "r1,T1,V1,1,30,1,2,13800000001,张三", "r2,T1,V1,3,30,1,2,13800000002,李四"].join("\n"),
      ),
    );
    const fixed = (await download(first.upload_id!)).replace(",3,30,", ",2,30,");
    expect(fixed).toContain(`,hmac:${hmac("13800000002")},`);
    const second = await ingest(file("fixed.csv", fixed));
    expect(second).toMatchObject({ status: "loaded", accepted: 1, rejected: 0 });
    const raw = await db.query<{ respondent_id: string; phone: string }>(
      `select respondent_id, phone from ${rawTableName("tiny")} order by respondent_id`,
    );
    expect(raw).toEqual([
      { respondent_id: "r1", phone: hmac("13800000001") },
      { respondent_id: "r2", phone: hmac("13800000002") },
    ]);
  });

  it("refuses a personal column that mixes clear and hashed values, naming file, column and rows", async () => {
    const before = await db.query("select count(*) from uploads");
    const result = await ingest(
      file(
        "mixed.csv",
        [
          HEADER,
          `r1,T1,V1,1,30,1,2,hmac:${hmac("13800000001")},`,
          "r2,T1,V1,1,30,1,2,13800000002,",
          `r3,T1,V1,1,30,1,2,hmac:${hmac("13800000003")},`,
        ].join("\n"),
      ),
    );
    expect(result.status).toBe("refused");
    expect(result.refusal?.en).toBe(
      'the personal column "phone" mixes clear values and hashed values (hmac:…): clear in rows 3, hashed in rows 2, 4. Keep hashed values as they are; the column must be all clear or all hashed (file mixed.csv)',
    );
    expect(result.refusal?.zh).toContain("mixed.csv");
    expect(await db.query("select count(*) from uploads")).toEqual(before);
    expect(await quarantineText()).toBe("");
  });

  it("a refusal that shows a line stops before the first personal column", async () => {
    const result = await ingest(
      file(
        "ragged.csv",
        [HEADER, "r1,T1,V1,1,30,1,2,13800000001,张三", "r2,T1,V1,1,30,1,2,13800000002,李四,x"].join("\n"),
      ),
    );
    expect(result.refusal?.en).toBe(
      'line 3 has 10 cells where the header has 9: "r2,T1,V1,1,30,1,2,…" (file ragged.csv)',
    );
  });

  it("retracting an upload removes its quarantined cells", async () => {
    const result = await ingest(
      file(
        "a.csv",
        [HEADER, "r1,T1,V1,1,30,1,2,13800000001,张三", "r2,T1,V1,3,30,1,2,13800000002,李四"].join("\n"),
      ),
    );
    expect(await db.query("select 1 from quarantine_rows")).toHaveLength(1);
    await retractUpload(db, result.upload_id!, "tester");
    expect(await db.query("select 1 from quarantine_rows")).toHaveLength(0);
    expect(await download(result.upload_id!)).toBe(`${HEADER}\r\n`);
  });

  it("a file with every row rejected is refused; its masked rejects stay downloadable for 7 days", async () => {
    const result = await ingest(file("bad.csv", [HEADER, "r1,T1,V1,3,30,1,2,13800000001,张三"].join("\n")));
    expect(result).toMatchObject({ status: "refused", rows: 1, accepted: 0, rejected: 1 });
    expect(result.refusal?.code).toBe("refuse.all_rejected");
    expect(await db.query("select 1 from uploads")).toHaveLength(0);
    expect(await download(result.upload_id!)).toBe(
      `${HEADER}\r\nr1,T1,V1,3,30,1,2,hmac:${hmac("13800000001")},\r\n`,
    );
    // 7 days later: not served, and the next ingest deletes them
    await db.run("update refused_uploads set expires_at = now() - interval 1 minute");
    await expect(download(result.upload_id!)).rejects.toThrow(/no upload/);
    await ingest(file("good.csv", [HEADER, "r9,T1,V1,1,30,1,2,,"].join("\n")));
    expect(await db.query("select 1 from quarantine_rows union all select 1 from quarantine")).toHaveLength(
      0,
    );
  });

  it("the migration clears the clear cells an earlier version stored", async () => {
    // a database as the version before wrote it: migration 005 not applied, cells in clear
    await db.run("drop table refused_uploads");
    await db.run("delete from schema_migrations where version = 5");
    await db.run(
      `insert into quarantine_rows values ('up_old', 2, '["r1","T1","V1","3","30","1","2","13800000001","张三"]')`,
    );
    await db.run(
      "insert into quarantine values ('up_old', 2, 'phone', '13800000001', 'reject.constraint', 'x', 'x')",
    );
    expect(await applyMigrations(db)).toContain(5);
    expect(await quarantineText()).toBe("");
    expect(await db.query("select reason_code from quarantine")).toEqual([
      { reason_code: "reject.constraint" },
    ]);
  });
});
