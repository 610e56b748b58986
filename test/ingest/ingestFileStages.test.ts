import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestFile } from "../../ingest/index.ts";
import { type Bench, HEADER, openBench } from "./stageBench.ts";

// ingestFile runs the stages in order; a refusal reports what the stages before it learnt
// (format, encoding, delimiter, mapping, personal columns, warnings), and no more.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const ingest = (name: string, content: string | Buffer) =>
  ingestFile(bench.db, bench.options(bench.file(name, content)));

describe("ingestFile, stage by stage", () => {
  it("a refusal by the scan knows the format only", async () => {
    const result = await ingest("nul.csv", `${HEADER}\nr1,T1,V1,1,30,1,2,,\u0000\n`);
    expect(result).toMatchObject({
      status: "refused",
      format: "csv",
      encoding: null,
      delimiter: null,
      mapping: null,
    });
    expect(result.refusal?.code).toBe("refuse.nul_byte");
  });

  it("a refusal by the plan knows the encoding and the delimiter, not the mapping", async () => {
    // 性别 is the Chinese label of sex, twice
    const text = "rid;town;village;性别;age;aw_union;league;性别\nr1;T1;V1;1;30;1;2;1\n";
    const result = await ingest("dup.csv", iconv.encode(text, "gbk"));
    expect(result).toMatchObject({ status: "refused", encoding: "gb18030", delimiter: ";", mapping: null });
    expect(result.refusal?.code).toBe("refuse.duplicate_header");
  });

  it("a refusal by the file check knows the mapping and the personal columns", async () => {
    const result = await ingest("few.csv", "rid,town,village,phone\nr1,T1,V1,138\n");
    expect(result.refusal?.code).toBe("refuse.missing_columns");
    expect(result.mapping?.mapped.map((m) => m.item)).toEqual(["rid", "town", "village", "phone"]);
    expect(result.personal).toEqual([{ column: "phone", action: "hmac" }]);
    expect(result).toMatchObject({ upload_id: null, rows: 0, warnings: [] });
  });

  it("a loaded upload after a start over for repeated ids says what one try would", async () => {
    const rows = ["r1,T1,V1,1,30,1,2,,", "r2,T1,V1,1,30,1,2,,", "r1,T1,V1,2,30,1,2,,"];
    const result = await ingest("rep.csv", [HEADER, ...rows].join("\n"));
    expect(result).toMatchObject({ status: "loaded", rows: 3, accepted: 1, rejected: 2 });
    // the rolled-back try left nothing behind: one upload, two quarantined rows
    const [q] = await bench.db.query<{ n: number }>("select count(*)::int as n from quarantine_rows");
    expect(q?.n).toBe(2);
  });
});
