import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { planUpload } from "../../ingest/planUpload.ts";
import { readUpload } from "../../ingest/readUpload.ts";
import { type Bench, HEADER, openBench, withScan } from "./stageBench.ts";

// The plan stage: the header mapped to the wave's codebook and everything the later stages
// need, fixed once. The tiny study HMACs `phone` and drops `name` (test/helpers/tinyStudy.ts).

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

/** scan → read → plan for a file with this header and one row. */
function plan(header: string, row: string, extra = {}) {
  const path = bench.file("p.csv", `${header}\n${row}\n`);
  const options = bench.options(path, extra);
  return withScan(bench, options, (scan, work) =>
    bench.db.withSession(async (session) => {
      const read = await readUpload(session, scan, { path, file: "p.csv", work }, () => undefined);
      try {
        return planUpload(scan, read, options, { file: "p.csv", uploadId: "up_1" });
      } finally {
        await read.numbered.catch(() => undefined);
      }
    }),
  );
}

describe("planUpload", () => {
  it("maps the header, notes the personal columns and where the first one is, and is read-only", async () => {
    const p = await plan(HEADER, "r1,T1,V1,1,30,1,2,13800000001,张三");
    expect(p.mapping.mapped.map((m) => m.item)).toEqual(HEADER.split(","));
    expect(p.personal).toEqual([
      { column: "phone", action: "hmac" },
      { column: "name", action: "drop" },
    ]);
    // phone is the eighth column: a line quoted in a message stops before it
    expect(p.personalFrom).toEqual({ delimiter: ",", from: 7 });
    expect(p).toMatchObject({
      uploadId: "up_1",
      file: "p.csv",
      waveId: "2024",
      replace: null,
      strict: false,
    });
    expect(p.idPartRows).toBe(2_000_000);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it("takes what the caller asked for: strict, replace, the size of the id search's parts", async () => {
    const p = await plan(HEADER, "r1,T1,V1,1,30,1,2,,", { strict: true, replace: "up_0", idPartRows: 8 });
    expect(p).toMatchObject({ strict: true, replace: "up_0", idPartRows: 8 });
  });

  it("maps a file with no personal column without a place to stop lines at", async () => {
    const p = await plan("rid,town,village,sex,age,aw_union,league", "r1,T1,V1,1,30,1,2");
    expect(p.personal).toEqual([]);
    expect(p.personalFrom).toBeUndefined();
  });

  it("refuses a header that names a codebook item twice, naming the column and its places", async () => {
    const error = await plan(`${HEADER},sex`, "r1,T1,V1,1,30,1,2,,,1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestRefusal);
    expect((error as IngestRefusal).code).toBe("refuse.duplicate_header");
    expect((error as IngestRefusal).params).toMatchObject({
      file: "p.csv",
      column: '"sex"',
      positions: "4, 10",
    });
  });

  it("only notes a platform column that comes twice (not in the codebook)", async () => {
    const p = await plan(`${HEADER},submitted,submitted`, "r1,T1,V1,1,30,1,2,,,x,y");
    expect(p.mapping.duplicates).toEqual(["submitted"]);
    expect(p.mapping.mapped.map((m) => m.item)).toEqual(HEADER.split(","));
  });
});
