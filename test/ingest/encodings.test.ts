import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";

// A BOM declares UTF-8; bytes that do not decode refuse the file, naming the line, and no
// U+FFFD from a decode is stored anywhere. Expected messages written out from the catalogue.

const KEY = Buffer.from("encodings-test-key");
// as 问卷星 exports it: question labels as the header
const LABELS = "编号,镇,村,性别,年龄,知道工会吗,是否团员,联系电话,姓名";
const ROWS = ["r1,T1,V1,男,30,是,否,,张三", "r2,T2,V3,女,40,否,,,李四"];
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

let dir: string;
let db: Database;
let study: Study;

const ingest = (name: string, bytes: Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return ingestFile(db, { study, waveId: "2024", path, user: "tester", hmacKey: KEY });
};

/** Every text stored by uploads, as one string: header, mapping, quarantined cells and values. */
async function storedText(): Promise<string> {
  const [row] = await db.query<{ t: string }>(
    `select coalesce((select string_agg(header::varchar || column_mapping::varchar, '|') from uploads), '')
         || coalesce((select string_agg(cells::varchar, '|') from quarantine_rows), '')
         || coalesce((select string_agg(coalesce(value, ''), '|') from quarantine), '') as t`,
  );
  return row!.t;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-encodings-"));
  study = await loadStudy(writeStudy());
  db = await openDatabase(join(dir, "test.duckdb"));
});
afterEach(async () => {
  await closeDatabase(db);
});

describe("encodings", () => {
  it("the same GBK export loads without a BOM, and is refused with one (a BOM declares UTF-8)", async () => {
    const gbk = iconv.encode([LABELS, ...ROWS].join("\r\n"), "gbk");
    const withBom = await ingest("wjx-bom.csv", Buffer.concat([BOM, gbk]));
    expect(withBom.status).toBe("refused");
    expect(withBom.refusal?.en).toBe(
      "the file begins with a UTF-8 byte order mark (it declares UTF-8), but line 1 is not valid UTF-8 (GBK text behind a BOM?). Re-save it as “CSV UTF-8 (comma delimited)” in Excel or WPS, or with encoding “UTF-8” in Notepad, and upload it again (file wjx-bom.csv)",
    );
    expect(withBom.refusal?.zh).toContain("第 1 行");
    expect(withBom.refusal?.zh).toContain("wjx-bom.csv");
    expect(await storedText()).toBe("");
    const plain = await ingest("wjx.csv", gbk);
    expect(plain).toMatchObject({ status: "loaded", encoding: "gb18030", accepted: 2 });
    expect(await storedText()).toContain("知道工会吗");
  });

  it("a BOM and UTF-8 up to a GBK line: refused naming that line", async () => {
    const text = Buffer.concat([
      BOM,
      Buffer.from(`rid,town,village,sex,age,aw_union,league,phone,name\r\n${ROWS[0]}\r\n`),
      iconv.encode(`${ROWS[1]}\r\n`, "gbk"),
    ]);
    const result = await ingest("mixed.csv", text);
    expect(result.refusal?.code).toBe("refuse.bom_not_utf8");
    expect(result.refusal?.en).toContain("line 3 is not valid UTF-8");
  });

  it("GBK bytes that do not decode refuse the file naming the line; no U+FFFD is stored", async () => {
    // 0xFF is no GB18030 byte; in a column the codebook does not know, on a row rejected for its sex
    const body = (extra: string) =>
      Buffer.concat([
        iconv.encode(`${LABELS},备注\r\n${ROWS[0]},好\r\nr3,T1,V1,3,30,是,否,,王五,`, "gbk"),
        Buffer.from(extra, "latin1"),
        Buffer.from("\r\n"),
      ]);
    const result = await ingest("bad-byte.csv", body("\xff\xff"));
    expect(result.status).toBe("refused");
    expect(result.refusal?.en).toBe(
      "line 3 holds bytes that are not valid GBK/GB18030 and cannot be decoded. Re-save the file as “CSV UTF-8 (comma delimited)” in Excel or WPS and upload it again (file bad-byte.csv)",
    );
    expect(await storedText()).not.toContain("\uFFFD");
    // the header too
    const header = Buffer.concat([
      iconv.encode(`${LABELS},`, "gbk"),
      Buffer.from("\xff", "latin1"),
      iconv.encode(`\r\n${ROWS[0]},x\r\nr3,T1,V1,3,30,是,否,,王五,y\r\n`, "gbk"),
    ]);
    const refused = await ingest("bad-header.csv", header);
    expect(refused.refusal?.code).toBe("refuse.bad_gbk");
    expect(refused.refusal?.en).toContain("line 1 holds bytes");
    expect(await storedText()).not.toContain("\uFFFD");
  });
});
