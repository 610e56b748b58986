import { createHmac } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { exportRejects, ingestFile, rawTableName } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";
import { zipBomb } from "./zipBomb.ts";

// The bad-input corpus (test/fixtures/bad/, see its README): each file is either refused
// with its exact catalogue message and the database left as it was, or loaded with exactly
// the listed rows quarantined. Expected messages are written out by hand from the catalogue.

const BAD = resolve(import.meta.dirname, "../fixtures/bad");
const KEY = Buffer.from("test-hmac-key");
const GOOD = "rid,town,village,sex,age,aw_union,league,phone,name\ng1,T1,V1,1,30,1,2,,\ng2,T2,V3,2,40,2,,,\n";

let dir: string;
let db: Database;
let study: Study;

const ingest = (path: string, extra: Partial<Parameters<typeof ingestFile>[1]> = {}) =>
  ingestFile(db, { study, waveId: "2024", path, user: "tester", hmacKey: KEY, ...extra });

async function snapshot() {
  const one = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;
  return {
    uploads: await one("select count(*)::int as n from uploads"),
    raw: await one(`select count(*)::int as n from ${rawTableName("tiny")}`),
    quarantine: await one("select count(*)::int as n from quarantine"),
    quarantine_rows: await one("select count(*)::int as n from quarantine_rows"),
  };
}

async function quarantined(uploadId: string) {
  return db.query<{ source_row: number; column_name: string; value: string | null; reason_code: string }>(
    `select source_row, column_name, value, reason_code from quarantine where upload_id = $1
     order by source_row, reason_code, column_name`,
    [uploadId],
  );
}

async function expectRefused(
  path: string,
  en: string,
  extra: Partial<Parameters<typeof ingestFile>[1]> = {},
) {
  const before = await snapshot();
  const result = await ingest(path, extra);
  expect(result.status).toBe("refused");
  expect(result.upload_id).toBeNull();
  expect(result.refusal?.en).toBe(en);
  expect(result.refusal?.zh).toContain(result.file_name);
  expect(await snapshot()).toEqual(before);
  return result;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-bad-"));
  study = await loadStudy(writeStudy());
  db = await openDatabase(join(dir, "test.duckdb"));
  // an earlier good upload, so "unchanged" means more than "empty"
  writeFileSync(join(dir, "good.csv"), GOOD);
  expect((await ingest(join(dir, "good.csv"))).status).toBe("loaded");
});
afterEach(async () => {
  await closeDatabase(db);
});

describe("refused, database unchanged", () => {
  it("empty file", () => expectRefused(join(BAD, "empty.csv"), "the file is empty (file empty.csv)"));

  it("header only", () =>
    expectRefused(
      join(BAD, "header-only.csv"),
      "the file has a header but no data rows (file header-only.csv)",
    ));

  it("binary garbage", () =>
    expectRefused(
      join(BAD, "binary-garbage.csv"),
      "not a CSV, Excel or Parquet file: binary content at byte 14 (file binary-garbage.csv)",
    ));

  it("an SPSS .sav file (written by R haven): refused with what to do instead", () =>
    expectRefused(
      resolve(import.meta.dirname, "../fixtures/spss/wave-2024-codes.sav"),
      "this is an SPSS data file (.sav), which cannot be loaded directly yet: export it from SPSS as Excel or CSV (File > Export) and upload that (file wave-2024-codes.sav)",
    ));

  it("truncated .xlsx", () =>
    expectRefused(
      join(BAD, "truncated.xlsx"),
      "the Excel workbook is cut short: the zip directory at its end is missing (file truncated.xlsx)",
    ));

  it("corrupt .xlsx", () =>
    expectRefused(
      join(BAD, "corrupt.xlsx"),
      "the Excel workbook is damaged or truncated: entry xl/worksheets/sheet2.xml does not inflate (invalid code lengths set) (file corrupt.xlsx)",
    ));

  it(".xlsx zip bomb: refused while inflating, although its headers declare 1000 bytes", async () => {
    const path = join(dir, "bomb.xlsx");
    writeFileSync(path, zipBomb(150 << 20));
    const started = performance.now();
    const result = await expectRefused(
      path,
      // limit: max(100 x size, 100 MB); the file is ~150 KB
      "the Excel workbook inflates to more than 100 MB (over 685 times its size); refused as a possible zip bomb (file bomb.xlsx)",
    );
    expect(result.refusal?.code).toBe("refuse.zip_bomb");
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  // the line shown stops before the first personal column (phone): the quote opens there
  it("unclosed quote: names the line", () =>
    expectRefused(
      join(BAD, "unclosed-quote.csv"),
      'line 3 opens a quoted value that is never closed: "r2,T1,V1,1,30,1,2,…" (file unclosed-quote.csv)',
    ));

  it("ragged rows: names the line and both widths", () =>
    expectRefused(
      join(BAD, "ragged-rows.csv"),
      'line 4 has 5 cells where the header has 9: "r3,T1,V1,1,30" (file ragged-rows.csv)',
    ));

  it("wrong delimiter", () =>
    expectRefused(
      join(BAD, "wrong-delimiter.csv"),
      'the header is a single column: columns must be separated by a comma, tab or semicolon (header: "rid|town|village|sex|age|aw_union|league|phone|name") (file wrong-delimiter.csv)',
    ));

  it("GBK file declared as UTF-8: names the first line that is not UTF-8", () =>
    expectRefused(
      join(BAD, "gbk-declared-utf8.csv"),
      "declared UTF-8, but line 2 is not valid UTF-8 (it looks like GBK: omit --encoding or pass --encoding gbk) (file gbk-declared-utf8.csv)",
      { encoding: "utf-8" },
    ));

  it("duplicate header names that map to a codebook item", () =>
    expectRefused(
      join(BAD, "duplicate-headers.csv"),
      'the header names column "sex" more than once (columns 4, 6), so which one to use is unclear (file duplicate-headers.csv)',
    ));

  it("NUL bytes: names the line", () =>
    expectRefused(
      join(BAD, "nul-bytes.csv"),
      "line 3 contains a NUL byte: binary data or UTF-16 text, not a UTF-8 or GBK CSV (file nul-bytes.csv)",
    ));

  it("a 100 MB single line, after reading only the first 8 MB of it", async () => {
    const path = join(dir, "one-line.csv");
    const fd = openSync(path, "w");
    const block = Buffer.alloc(1 << 20, "a,");
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    closeSync(fd);
    await expectRefused(
      path,
      "line 1 is longer than 8 MB: the file has no line breaks, or is not a CSV (file one-line.csv)",
    );
  });

  it("strict mode refuses a file with any quarantined row, and keeps only its rejected rows (7 days)", async () => {
    const before = await snapshot();
    const result = await ingest(join(BAD, "out-of-range-codes.csv"), { strict: true });
    expect(result).toMatchObject({ status: "refused", rows: 4, accepted: 1, rejected: 3 });
    expect(result.refusal?.en).toBe(
      "strict mode: 3 rows failed validation, so nothing was loaded (file out-of-range-codes.csv)",
    );
    // nothing landed, no upload recorded; the rejected rows stay under the refused upload's id
    expect(await snapshot()).toEqual({
      ...before,
      quarantine: before.quarantine + 3,
      quarantine_rows: before.quarantine_rows + 3,
    });
    const [kept] = await db.query<{ days: number }>(
      "select date_diff('day', refused_at, expires_at)::int as days from refused_uploads where upload_id = $1",
      [result.upload_id],
    );
    expect(kept?.days).toBe(7);
  });
});

describe("loaded, with exactly these rows quarantined", () => {
  it("duplicate respondent ids: every row sharing the id", async () => {
    const result = await ingest(join(BAD, "duplicate-ids.csv"));
    expect(result).toMatchObject({ status: "loaded", rows: 4, accepted: 2, rejected: 2 });
    expect(await quarantined(result.upload_id!)).toEqual([
      { source_row: 2, column_name: "rid", value: "r1", reason_code: "reject.duplicate_id_in_file" },
      { source_row: 4, column_name: "rid", value: "r1", reason_code: "reject.duplicate_id_in_file" },
    ]);
    const raw = await db.query<{ respondent_id: string }>(
      `select respondent_id from ${rawTableName("tiny")} where upload_id = $1 order by source_row`,
      [result.upload_id],
    );
    expect(raw.map((r) => r.respondent_id)).toEqual(["r2", "r3"]);
  });

  it("out-of-range codes", async () => {
    const result = await ingest(join(BAD, "out-of-range-codes.csv"));
    expect(result).toMatchObject({ status: "loaded", rows: 4, accepted: 1, rejected: 3 });
    expect(await quarantined(result.upload_id!)).toEqual([
      { source_row: 2, column_name: "sex", value: "3", reason_code: "reject.unknown_code" },
      { source_row: 3, column_name: "age", value: "120", reason_code: "reject.constraint" },
      { source_row: 4, column_name: "aw_union", value: "7", reason_code: "reject.unknown_code" },
    ]);
  });

  it("formula-looking free text is kept as plain text, and escaped in the rejects export", async () => {
    const result = await ingest(join(BAD, "formula-text.csv"));
    expect(result).toMatchObject({ status: "loaded", rows: 3, accepted: 2, rejected: 1 });
    expect(await quarantined(result.upload_id!)).toEqual([
      { source_row: 4, column_name: "sex", value: "3", reason_code: "reject.unknown_code" },
    ]);
    // `name` is dropped as personal data and the phone column HMACed: in the quarantine copy too
    const [cells] = await db.query<{ cells: string }>(
      "select cells::varchar as cells from quarantine_rows where upload_id = $1",
      [result.upload_id],
    );
    const phone = `hmac:${createHmac("sha256", KEY).update("=1+1").digest("hex")}`;
    expect(JSON.parse(cells!.cells)).toEqual(["r3", "T1", "V1", "3", "30", "1", "2", phone, null]);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    expect(await exportRejects(db, result.upload_id!, out)).toBe(1);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(
      `rid,town,village,sex,age,aw_union,league,phone,name\r\nr3,T1,V1,3,30,1,2,${phone},\r\n`,
    );
  });

  it("a file name with ../ is stored as its last segment and never used as a path", async () => {
    const before = readdirSync(dir).sort();
    const path = join(dir, "upload-tmp-1");
    writeFileSync(path, GOOD.replace("g1,", "h1,").replace("g2,", "h2,"));
    const result = await ingest(path, { fileName: "../../../etc/cron.d/evil.csv" });
    expect(result).toMatchObject({ status: "loaded", file_name: "evil.csv" });
    const [row] = await db.query<{ file_name: string }>(
      "select file_name from uploads where upload_id = $1",
      [result.upload_id],
    );
    expect(row!.file_name).toBe("evil.csv");
    expect(readdirSync(dir).sort()).toEqual([...before, "upload-tmp-1"].sort());
    const refused = await ingest(join(BAD, "empty.csv"), { fileName: "..\\..\\x.csv" });
    expect(refused.refusal?.en).toBe("the file is empty (file x.csv)");
  });
});

describe("formats", () => {
  it(".xlsx with --sheet: question labels as headers, choice labels as answers", async () => {
    const result = await ingest(join(BAD, "labels.xlsx"), { sheet: "数据" });
    expect(result).toMatchObject({ status: "loaded", format: "xlsx", rows: 3, accepted: 2, rejected: 1 });
    expect(result.mapping?.ignored).toEqual(["提交时间"]);
    expect(result.mapping?.mapped.find((m) => m.item === "sex")).toMatchObject({
      header: "1、性别：",
      by: "label_zh",
    });
    expect(await quarantined(result.upload_id!)).toEqual([
      { source_row: 4, column_name: "1、性别：", value: "其他", reason_code: "reject.unknown_code" },
    ]);
    const raw = await db.query<{ town: string; sex: number; aw_union: number; league: number | null }>(
      `select town, sex, aw_union, league from ${rawTableName("tiny")} where upload_id = $1 order by source_row`,
      [result.upload_id],
    );
    expect(raw).toEqual([
      { town: "T1", sex: 1, aw_union: 1, league: 2 },
      { town: "T2", sex: 2, aw_union: 9, league: null },
    ]);
  });

  it(".xlsx: the first sheet by default, and a sheet that does not exist is refused", async () => {
    // the first sheet of labels.xlsx is a note with one column
    await expectRefused(
      join(BAD, "labels.xlsx"),
      'the header is a single column: columns must be separated by a comma, tab or semicolon (header: "本工作簿的数据在第二个工作表") (file labels.xlsx)',
    );
    await expectRefused(
      join(BAD, "labels.xlsx"),
      'the workbook has no sheet named "Sheet9" (file labels.xlsx)',
      {
        sheet: "Sheet9",
      },
    );
  });

  it("Parquet", async () => {
    const path = join(dir, "wave.parquet");
    await db.run(
      `copy (select * from (values ('p1', 'T1', 'V1', '1', '30', '1', '2'), ('p2', 'T1', 'V2', '5', '30', '1', '2'))
              t(rid, town, village, sex, age, aw_union, league)) to '${path}' (format parquet)`,
    );
    const result = await ingest(path);
    expect(result).toMatchObject({ status: "loaded", format: "parquet", rows: 2, accepted: 1, rejected: 1 });
    expect(await quarantined(result.upload_id!)).toEqual([
      { source_row: 2, column_name: "sex", value: "5", reason_code: "reject.unknown_code" },
    ]);
  });

  it("a renamed copy of a refused file is refused the same way (the name is never trusted)", async () => {
    const path = join(dir, "looks-fine.xlsx");
    copyFileSync(join(BAD, "binary-garbage.csv"), path);
    await expectRefused(
      path,
      "not a CSV, Excel or Parquet file: binary content at byte 14 (file looks-fine.xlsx)",
    );
  });
});
