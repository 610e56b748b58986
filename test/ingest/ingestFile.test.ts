import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { formatIngestReport, ingestFile, rawColumnTypes, rawTableName } from "../../ingest/index.ts";
import { messages } from "../../messages/catalogue.ts";
import { loadModels, MODELS_DIR, runModels } from "../../models/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { CODEBOOK, STUDY, writeStudy } from "../helpers/tinyStudy.ts";

const KEY = Buffer.from("test-hmac-key");
const HEADER = "rid,town,village,sex,age,aw_union,league,phone,name";
const GOOD = [
  "r1,T1,V1,1,30,1,2,13800000001,张三",
  "r2,T1,V2,2,50,9,,13800000002,李四",
  "r3,T2,V3,1,20,2,1,,",
];

let dir: string;
let db: Database;
let study: Study;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const ingest = (path: string, extra: Partial<Parameters<typeof ingestFile>[1]> = {}) =>
  ingestFile(db, { study, waveId: "2024", path, user: "tester", hmacKey: KEY, ...extra });

async function counts() {
  const [u] = await db.query<{ n: number }>("select count(*)::int as n from uploads");
  const [r] = await db
    .query<{ n: number }>(`select count(*)::int as n from ${rawTableName("tiny")}`)
    .catch(() => [{ n: 0 }]);
  const [q] = await db.query<{ n: number }>("select count(*)::int as n from quarantine");
  return { uploads: u!.n, raw: r!.n, quarantine: q!.n };
}

/** Every quarantined cell: row, column, value, reason. */
const quarantine = () =>
  db.query<{ source_row: number; column_name: string; value: string; reason_code: string }>(
    "select source_row, column_name, value, reason_code from quarantine order by source_row, reason_code",
  );

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-ingest-test-"));
  study = await loadStudy(writeStudy());
  db = await openDatabase(join(dir, "test.duckdb"));
});
afterEach(async () => {
  await closeDatabase(db);
});

describe("ingestFile", () => {
  it("loads valid rows, quarantines bad ones with reasons, and keeps the original cells", async () => {
    const path = file(
      "wave.csv",
      [
        HEADER,
        ...GOOD,
        "r4,T1,V1,3,15,1,2,,",
        "r5,T9,V1,1,40,1,,,",
        ",T1,V1,1,40,1,,,",
        "r6,T1,V1,1,25,1,,,",
      ].join("\n"),
    );
    const result = await ingest(path);
    expect(result).toMatchObject({
      status: "loaded",
      rows: 7,
      accepted: 3,
      rejected: 4,
      format: "csv",
      encoding: "utf-8",
      delimiter: ",",
    });
    const q = await db.query<{
      source_row: number;
      column_name: string;
      value: string | null;
      reason_code: string;
      reason_en: string;
    }>(
      "select source_row, column_name, value, reason_code, reason_en from quarantine order by source_row, reason_code, column_name",
    );
    expect(q).toEqual([
      {
        source_row: 5,
        column_name: "age",
        value: "15",
        reason_code: "reject.constraint",
        reason_en: "Age must be between 16 and 100",
      },
      {
        source_row: 5,
        column_name: "sex",
        value: "3",
        reason_code: "reject.unknown_code",
        reason_en: "not a choice of list sex (a code or an option label)",
      },
      {
        source_row: 6,
        column_name: "town",
        value: "T9",
        reason_code: "reject.unknown_code",
        reason_en: "not a choice of list town (a code or an option label)",
      },
      {
        source_row: 6,
        column_name: "town",
        value: "T9",
        reason_code: "reject.unknown_stratum",
        reason_en: "stratum not in the sampling frame",
      },
      {
        source_row: 7,
        column_name: "rid",
        value: null,
        reason_code: "reject.missing_id",
        reason_en: "respondent id is missing",
      },
      {
        source_row: 8,
        column_name: "league",
        value: null,
        reason_code: "reject.required",
        reason_en: "required answer is missing",
      },
    ]);
    // what the report says of each rejected cell: row, column, value, reason (never the raw rule
    // nor a whole code list)
    const said = result.errors.flatMap((e) => e.first.map((f) => f.zh));
    expect(said).toEqual(
      expect.arrayContaining([
        "第 5 行 age = 15：年龄应在 16 到 100 之间",
        "第 6 行 town = T9：抽样框中没有此镇（街道）",
        "第 5 行 sex = 3：不是选项表 sex 中的选项（代码或选项文字）",
        "第 7 行 rid = （空）：缺少受访者编号",
      ]),
    );
    expect(result.errors.find((e) => e.reason === "reject.unknown_stratum")?.first[0]?.en).toBe(
      "row 6, town = T9: stratum not in the sampling frame",
    );
    const cells = await db.query<{ cells: string }>("select cells from quarantine_rows where source_row = 5");
    expect(JSON.parse(cells[0]!.cells)).toEqual(["r4", "T1", "V1", "3", "15", "1", "2", null, null]);
    const raw = await db.query<Record<string, string | null>>(
      `select * from ${rawTableName("tiny")} order by source_row`,
    );
    expect(raw.map((r) => r.respondent_id)).toEqual(["r1", "r2", "r3"]);
    // personal data: phone replaced by HMAC-SHA256 with the key, name dropped
    expect(raw[0]!.phone).toBe(createHmac("sha256", KEY).update("13800000001").digest("hex"));
    expect(raw[2]!.phone).toBeNull();
    expect(Object.keys(raw[0]!)).not.toContain("name");
  });

  it("recognises the same file twice and loads it once", async () => {
    const path = file("wave.csv", [HEADER, ...GOOD].join("\n"));
    const first = await ingest(path);
    const second = await ingest(file("copy-of-wave.csv", [HEADER, ...GOOD].join("\n")));
    expect(second).toMatchObject({ status: "duplicate", upload_id: first.upload_id });
    expect(await counts()).toEqual({ uploads: 1, raw: 3, quarantine: 0 });
  });

  it("quarantines every row sharing an id, and ids already in the wave unless replaced", async () => {
    const first = await ingest(file("a.csv", [HEADER, ...GOOD].join("\n")));
    const second = await ingest(
      file(
        "b.csv",
        [
          HEADER,
          "r1,T1,V1,1,30,1,2,,",
          "r7,T1,V1,1,30,1,2,,",
          "r7,T1,V2,2,31,1,2,,",
          "r8,T1,V1,1,30,1,2,,",
        ].join("\n"),
      ),
    );
    expect(second).toMatchObject({ status: "loaded", accepted: 1, rejected: 3 });
    const reasons = await db.query<{ source_row: number; reason_code: string }>(
      "select source_row, reason_code from quarantine where upload_id = $1 order by source_row",
      [second.upload_id],
    );
    expect(reasons).toEqual([
      { source_row: 2, reason_code: "reject.duplicate_id_in_wave" },
      { source_row: 3, reason_code: "reject.duplicate_id_in_file" },
      { source_row: 4, reason_code: "reject.duplicate_id_in_file" },
    ]);
    const replacing = await ingest(file("c.csv", [HEADER, "r1,T1,V1,1,31,1,2,,"].join("\n")), {
      replace: first.upload_id!,
    });
    expect(replacing).toMatchObject({ status: "loaded", accepted: 1, rejected: 0 });
    const statuses = await db.query<{ upload_id: string; status: string }>(
      "select upload_id, status from uploads order by uploaded_at",
    );
    expect(statuses.map((s) => s.status)).toEqual(["superseded", "loaded", "loaded"]);
  });

  it.each([
    ["in one part", undefined],
    ["in parts of two ids", 2],
  ])(
    "quarantines every copy of a repeated id, with the other errors of each copy (%s)",
    async (_, idPartRows) => {
      const rows = [
        "r1,T1,V1,1,30,1,2,,",
        "r5,T1,V1,3,30,1,2,,",
        "r5,T1,V1,1,30,1,2,,",
        " r6 ,T1,V1,1,30,1,2,,",
        "r6,T1,V1,2,30,1,2,,",
        "r7,T1,V1,2,30,1,2,,",
        "r6,T1,V2,2,44,1,2,,",
      ];
      const result = await ingest(file("repeats.csv", [HEADER, ...rows].join("\n")), { idPartRows });
      expect(result).toMatchObject({ status: "loaded", rows: 7, accepted: 2, rejected: 5 });
      expect(await quarantine()).toEqual([
        { source_row: 3, column_name: "rid", value: "r5", reason_code: "reject.duplicate_id_in_file" },
        { source_row: 3, column_name: "sex", value: "3", reason_code: "reject.unknown_code" },
        { source_row: 4, column_name: "rid", value: "r5", reason_code: "reject.duplicate_id_in_file" },
        { source_row: 5, column_name: "rid", value: "r6", reason_code: "reject.duplicate_id_in_file" },
        { source_row: 6, column_name: "rid", value: "r6", reason_code: "reject.duplicate_id_in_file" },
        { source_row: 8, column_name: "rid", value: "r6", reason_code: "reject.duplicate_id_in_file" },
      ]);
      const cells = await db.query<{ source_row: number; cells: string }>(
        "select source_row, cells::varchar as cells from quarantine_rows where source_row = 5",
      );
      expect(JSON.parse(cells[0]!.cells)[0]).toBe(" r6 ");
      const raw = await db.query<{ respondent_id: string }>(
        `select respondent_id from ${rawTableName("tiny")} order by source_row`,
      );
      expect(raw.map((r) => r.respondent_id)).toEqual(["r1", "r7"]);
    },
  );

  it("finds every repeated id when the search runs in parts", async () => {
    // r0..r19 twice each, r20..r29 once: 50 ids, 8 a part, so 7 parts
    const ids = [
      ...Array.from({ length: 20 }, (_, i) => [`r${i}`, `r${i}`]).flat(),
      ...Array.from({ length: 10 }, (_, i) => `r${20 + i}`),
    ];
    const path = file("parts.csv", [HEADER, ...ids.map((id) => `${id},T1,V1,1,30,1,2,,`)].join("\n"));
    const result = await ingest(path, { idPartRows: 8 });
    expect(result).toMatchObject({ status: "loaded", rows: 50, accepted: 10, rejected: 40 });
    const repeated = await db.query<{ value: string }>(
      "select distinct value from quarantine where reason_code = 'reject.duplicate_id_in_file' order by value",
    );
    expect(repeated.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
  });

  it("refuses the whole file in strict mode and leaves the database as it was", async () => {
    await ingest(file("a.csv", [HEADER, ...GOOD].join("\n")));
    const before = await counts();
    const result = await ingest(
      file("b.csv", [HEADER, "r8,T1,V1,1,30,1,2,,", "r9,T1,V1,5,30,1,2,,"].join("\n")),
      { strict: true },
    );
    expect(result).toMatchObject({ status: "refused", rows: 2, accepted: 1, rejected: 1 });
    expect(result.refusal?.en).toBe(
      "strict mode: 1 rows failed validation, so nothing was loaded (file b.csv)",
    );
    // nothing landed; only the rejected row is kept, under the refused upload's id
    expect(await counts()).toEqual({ ...before, quarantine: before.quarantine + 1 });
  });

  it("refuses in strict mode a file whose only fault is a repeated id", async () => {
    await ingest(file("a.csv", [HEADER, ...GOOD].join("\n")));
    const before = await counts();
    const result = await ingest(
      file("b.csv", [HEADER, "r8,T1,V1,1,30,1,2,,", "r9,T1,V1,2,30,1,2,,", "r8,T1,V2,2,31,1,2,,"].join("\n")),
      { strict: true },
    );
    expect(result).toMatchObject({ status: "refused", rows: 3, accepted: 1, rejected: 2 });
    expect(result.errors).toMatchObject([{ reason: "reject.duplicate_id_in_file", count: 2 }]);
    expect(await counts()).toEqual({ ...before, quarantine: before.quarantine + 2 });
  });

  it("refuses a file in which every row is rejected, says why, and lands nothing", async () => {
    await ingest(file("a.csv", [HEADER, ...GOOD].join("\n")));
    const before = await counts();
    // a typical mapping problem: the sex column holds M/F where the codebook has 1/2
    const result = await ingest(
      file("b.csv", [HEADER, "r8,T1,V1,M,30,1,2,,", "r9,T1,V2,F,40,1,2,,", "r10,T2,V3,F,50,1,,,"].join("\n")),
    );
    // refused, but its (masked) rejected rows are kept to download for 7 days (refused_uploads)
    expect(result).toMatchObject({ status: "refused", rows: 3, accepted: 0, rejected: 3 });
    expect(result.upload_id).toEqual(expect.any(String));
    expect(result.refusal).toEqual({
      code: "refuse.all_rejected",
      ...messages("refuse.all_rejected", { count: 3, file: "b.csv" }),
    });
    expect(result.errors).toMatchObject([{ reason: "reject.unknown_code", column: "sex", count: 3 }]);
    // the CLI's report leads with the refusal, then the rows that say why
    const report = formatIngestReport(result, "zh").split("\n");
    expect(report[0]).toBe(`拒绝导入: ${messages("refuse.all_rejected", { count: 3, file: "b.csv" }).zh}`);
    expect(report).toContain("    第 2 行 sex = M：不是选项表 sex 中的选项（代码或选项文字）");
    // nothing lands: no upload counted, no row in the raw table; the three reasons are kept
    expect(await counts()).toEqual({ ...before, quarantine: before.quarantine + 3 });
    const [kept] = await db.query<{ n: number }>(
      "select count(*)::int as n from refused_uploads where upload_id = $1",
      [result.upload_id],
    );
    expect(kept?.n).toBe(1);
  });

  it("refuses a file missing required columns, naming them", async () => {
    const result = await ingest(file("a.csv", "rid,town,village\nr1,T1,V1\n"));
    expect(result.status).toBe("refused");
    expect(result.refusal?.en).toBe("required columns are missing: sex, age, aw_union, league (file a.csv)");
    expect(await counts()).toEqual({ uploads: 0, raw: 0, quarantine: 0 });
  });

  it("reads GBK with Chinese question labels as headers and choice labels as answers, semicolon-separated", async () => {
    const text = [
      "编号;镇;村;1、性别：;年龄;知道工会吗?;是否团员;提交时间",
      "r1;一镇;V1;男;30;是;否;2024-05-01 10:00",
      "r2;T2;V3;女;60;不知道;;2024-05-01 11:00",
    ].join("\r\n");
    const result = await ingest(file("gbk.csv", iconv.encode(text, "gbk")));
    expect(result).toMatchObject({
      status: "loaded",
      accepted: 2,
      rejected: 0,
      encoding: "gb18030",
      delimiter: ";",
    });
    expect(result.mapping?.ignored).toEqual(["提交时间"]);
    const raw = await db.query<{ town: string; sex: number; aw_union: number; league: number | null }>(
      `select town, sex, aw_union, league from ${rawTableName("tiny")} order by source_row`,
    );
    expect(raw).toEqual([
      { town: "T1", sex: 1, aw_union: 1, league: 2 },
      { town: "T2", sex: 2, aw_union: 9, league: null },
    ]);
  });

  it("reports progress phase by phase, in order; GB18030 with a transcode phase over the whole file", async () => {
    const phases = async (path: string, extra: Partial<Parameters<typeof ingestFile>[1]> = {}) => {
      const seen: { phase: string; done: number; total: number }[] = [];
      const result = await ingest(path, { ...extra, onProgress: (p) => seen.push({ ...p }) });
      expect(result).toMatchObject({ status: "loaded", refusal: null });
      return seen;
    };
    const order = (seen: { phase: string }[]) => [...new Set(seen.map((p) => p.phase))];
    // ids new to the wave in each file (a file whose every id is already in the wave is refused)
    const idRows = (p: string) => Array.from({ length: 200 }, (_, i) => `${p}${i},T1,V1,1,30,1,2,,王${i}`);
    const utf8 = await phases(file("u.csv", [HEADER, ...idRows("u")].join("\n")));
    expect(order(utf8)).toEqual(["scan", "read", "validate", "land"]);
    const gbkPath = file("g.csv", iconv.encode([HEADER, ...idRows("g")].join("\n"), "gbk"));
    const gbk = await phases(gbkPath);
    expect(order(gbk)).toEqual(["scan", "transcode", "read", "validate", "land"]);
    const transcoded = gbk.filter((p) => p.phase === "transcode").at(-1)!;
    expect(transcoded.done).toBe(transcoded.total);
    // an upload that starts over for repeated ids does not report its phases again
    const rows = idRows("r");
    const repeated = await phases(file("r.csv", [HEADER, ...rows, rows[0]!.replace("王0", "李")].join("\n")));
    expect(repeated.map((p) => p.phase).filter((p) => p === "validate" || p === "land")).toEqual([
      "validate",
      "land",
    ]);
  });

  it("keeps formula-looking text and quoted newlines as plain text", async () => {
    const result = await ingest(
      file("f.csv", `${HEADER}\nr1,T1,V1,1,30,1,2,"=HYPERLINK(""http://x"",""y"")","a\nb"\n`),
    );
    expect(result).toMatchObject({ status: "loaded", accepted: 1 });
    const [row] = await db.query<{ phone: string }>(`select phone from ${rawTableName("tiny")}`);
    expect(row!.phone).toBe(createHmac("sha256", KEY).update('=HYPERLINK("http://x","y")').digest("hex"));
  });

  it("maps labels and trims codes in a long choice list (looked up by hash), and checks it", async () => {
    // 13 towns: a list longer than the short-list limit, so codes are looked up in a table
    const towns = Array.from({ length: 13 }, (_, i) =>
      i < 2
        ? `{ name: T${i + 1}, label: { zh: ${["一镇", "二镇"][i]}, en: Town ${i + 1} } }`
        : `{ name: T${i + 1}, label: { zh: 镇${i + 1}, en: Town ${i + 1} } }`,
    );
    const codebook = CODEBOOK.replace(/ {2}town: \[.*\]\n/, `  town: [${towns.join(", ")}]\n`);
    expect(codebook).toContain("T13");
    study = await loadStudy(writeStudy({ "codebook.yaml": codebook }));
    const result = await ingest(
      file(
        "towns.csv",
        [
          HEADER,
          "r1,二镇,V3,1,30,1,2,,",
          'r2," T1 ",V1,2,40,1,2,,',
          "r3,T99,V1,1,30,1,2,,",
          "r4,T1,V2,1,30,1,2,,",
        ].join("\n"),
      ),
    );
    expect(result).toMatchObject({ status: "loaded", rows: 4, accepted: 3, rejected: 1 });
    const raw = await db.query<{ respondent_id: string; town: string }>(
      `select respondent_id, town from ${rawTableName("tiny")} order by source_row`,
    );
    expect(raw).toEqual([
      { respondent_id: "r1", town: "T2" },
      { respondent_id: "r2", town: "T1" },
      { respondent_id: "r4", town: "T1" },
    ]);
    const q = await db.query<{ source_row: number; value: string; reason_code: string }>(
      "select source_row, value, reason_code from quarantine order by reason_code",
    );
    expect(q).toEqual([
      { source_row: 4, value: "T99", reason_code: "reject.unknown_code" },
      { source_row: 4, value: "T99", reason_code: "reject.unknown_stratum" },
    ]);
  });

  it("stores plain codes and whole numbers as numbers, and staging gives them back as text", async () => {
    const result = await ingest(file("wave.csv", [HEADER, ...GOOD].join("\n")));
    expect(result.status).toBe("loaded");
    const types = await db.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from duckdb_columns() where table_name = $1 order by column_index`,
      [rawTableName("tiny")],
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      town: "VARCHAR", // codes T1, T2
      village: "VARCHAR",
      sex: "SMALLINT",
      age: "BIGINT",
      aw_union: "SMALLINT",
      league: "SMALLINT",
      phone: "VARCHAR", // pseudonymised
    });
    // seeds and the staging model alone (the tiny study has too few PSUs for the weighting models)
    const models = (await loadModels(MODELS_DIR)).filter(
      (m) => m.name.startsWith("seed_") || m.name === "stg_responses",
    );
    await runModels(db, study, { models });
    const staged = await db.query<{ sex: string; age: string; league: string | null }>(
      "select sex, age, league from stg_responses__tiny order by respondent_id",
    );
    expect(staged).toEqual([
      { sex: "1", age: "30", league: "2" },
      { sex: "2", age: "50", league: null },
      { sex: "1", age: "20", league: "1" },
    ]);
  });

  it("keeps as text a list whose codes do not survive a number (07, +1), and an item typed two ways", () => {
    const codebook = CODEBOOK.replace('sex: [{ name: "1"', 'sex: [{ name: "01"');
    const v2 = CODEBOOK.replace("{ type: select_one yndk, name: league", "{ type: text, name: league");
    const twoVersions = STUDY.replace(
      "codebooks: [{ version: v1, file: codebook.yaml }]",
      "codebooks: [{ version: v1, file: codebook.yaml }, { version: v2, file: v2.yaml }]",
    );
    return loadStudy(
      writeStudy({ "study.yaml": twoVersions, "codebook.yaml": codebook, "v2.yaml": v2 }),
    ).then((s) => {
      const types = rawColumnTypes(s);
      expect(types.get("sex")).toBe("VARCHAR");
      expect(types.get("league")).toBe("VARCHAR");
      expect(types.get("aw_union")).toBe("SMALLINT");
    });
  });

  it("counts a blank line in source_row, as a spreadsheet shows the rows", async () => {
    const result = await ingest(
      file("blank.csv", [HEADER, GOOD[0], "", GOOD[1], "r9,T1,V1,5,30,1,2,,"].join("\n")),
    );
    expect(result).toMatchObject({ status: "loaded", rows: 3, accepted: 2, rejected: 1 });
    const [bad] = await db.query<{ source_row: number }>("select source_row from quarantine");
    expect(bad).toEqual({ source_row: 5 });
  });

  it("loads a study with no column to pseudonymise (no HMAC key bound)", async () => {
    const noHmac = STUDY.replace("{ column: phone, action: hmac }", "{ column: phone, action: drop }");
    expect(noHmac).not.toContain("hmac");
    study = await loadStudy(writeStudy({ "study.yaml": noHmac }));
    const result = await ingest(file("plain.csv", [HEADER, "r1,T1,V1,1,30,1,2,,"].join("\n")));
    expect(result).toMatchObject({ status: "loaded", rows: 1, accepted: 1, rejected: 0 });
  });

  it("checks in full a column that holds codes only in its first rows, and labels, spaces or bad codes later", async () => {
    // the first 4096 rows decide which columns are taken to hold codes only; these come after
    const rows = Array.from({ length: 5000 }, (_, i) => `r${i},T1,V1,${(i % 2) + 1},30,1,2,,`);
    rows[4500] = "r4500,T1,V1,男,30,1,2,,";
    rows[4600] = "r4600,T1,V1, 2 ,30,1,2,,";
    rows[4700] = "r4700,T1,V1,1,30,5,2,,";
    rows[4900] = "r4900,T1,V1,2,30,1,7,,";
    const result = await ingest(file("late.csv", [HEADER, ...rows].join("\n")));
    expect(result).toMatchObject({ status: "loaded", rows: 5000, accepted: 4998, rejected: 2 });
    expect(await quarantine()).toEqual([
      { source_row: 4702, column_name: "aw_union", value: "5", reason_code: "reject.unknown_code" },
      { source_row: 4902, column_name: "league", value: "7", reason_code: "reject.unknown_code" },
    ]);
    const landed = await db.query<{ respondent_id: string; sex: number }>(
      `select respondent_id, sex from ${rawTableName("tiny")} where respondent_id in ('r4500', 'r4600', 'r4601')
       order by source_row`,
    );
    expect(landed).toEqual([
      { respondent_id: "r4500", sex: 1 },
      { respondent_id: "r4600", sex: 2 },
      { respondent_id: "r4601", sex: 2 },
    ]);
  });

  it("lands a column that holds codes only as read, and numbers rows by their line", async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `r${i},T1,V1,${(i % 2) + 1},30,1,2,,`);
    rows[150] = "r150,T1,V1,7,30,1,2,,";
    const result = await ingest(file("many.csv", [HEADER, ...rows].join("\n")));
    expect(result).toMatchObject({ status: "loaded", rows: 300, accepted: 299, rejected: 1 });
    const [bad] = await db.query<{ source_row: number; value: string }>(
      "select source_row, value from quarantine",
    );
    // line 1 is the header: row i is on line i + 2
    expect(bad).toEqual({ source_row: 152, value: "7" });
    const landed = await db.query<{ source_row: number; respondent_id: string; sex: number }>(
      `select source_row, respondent_id, sex from ${rawTableName("tiny")} where respondent_id in ('r0', 'r299')
       order by source_row`,
    );
    expect(landed).toEqual([
      { source_row: 2, respondent_id: "r0", sex: 1 },
      { source_row: 301, respondent_id: "r299", sex: 2 },
    ]);
  });
});
