import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile, rawTableName } from "../../ingest/index.ts";
import { loadStudy } from "../../study/index.ts";
import { CODEBOOK, STUDY, writeStudy } from "../helpers/tinyStudy.ts";

// Decimal answers land as numbers, so SQL and `barometer estimate --table raw_responses__...`
// compare them as numbers (issue 15). Expected values: the file's own cells, written here.

let dir: string;
let db: Database;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-decimal-"));
  db = await openDatabase(join(dir, "t.duckdb"));
});
afterEach(async () => closeDatabase(db));

it("a decimal item lands as DOUBLE and compares as a number", async () => {
  const codebook = CODEBOOK.replace(
    "  - { type: text, name: phone,",
    "  - { type: decimal, name: income, label: { zh: 收入, en: Income } }\n  - { type: text, name: phone,",
  );
  const study = await loadStudy(writeStudy({ "study.yaml": STUDY, "codebook.yaml": codebook }));
  const path = join(dir, "w.csv");
  writeFileSync(
    path,
    [
      "rid,town,village,sex,age,aw_union,league,income,phone,name",
      "r1,T1,V1,1,30,1,2,10.5,,",
      "r2,T1,V2,2,50,9,,9.75,,",
      "r3,T2,V3,1,20,2,1,1e2,,",
      "r4,T2,V3,2,40,1,,,,",
    ].join("\n"),
  );
  const result = await ingestFile(db, {
    study,
    waveId: "2024",
    path,
    user: "t",
    hmacKey: Buffer.from("k"),
  });
  expect(result).toMatchObject({ status: "loaded", accepted: 4, rejected: 0 });
  const [type] = await db.query<{ data_type: string }>(
    "select data_type from duckdb_columns() where table_name = $1 and column_name = 'income'",
    [rawTableName("tiny")],
  );
  expect(type!.data_type).toBe("DOUBLE");
  // as text, '9.75' > '10.5' and '1e2' < '9.75'; as numbers only r1 and r3 exceed 10
  const rows = await db.query<{ rid: string }>(
    `select respondent_id as rid from ${rawTableName("tiny")} where income > 10 order by 1`,
  );
  expect(rows.map((r) => r.rid)).toEqual(["r1", "r3"]);
});
