import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { type Bench, HEADER, openBench, withPlan } from "./stageBench.ts";

// The file's own checks, before its rows: the required columns, the guess of the columns
// that hold codes only (from the first rows), the form version; and the temp tables the row
// checks read. The tiny study's codebook: test/helpers/tinyStudy.ts.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const check = (content: string) =>
  withPlan(bench, bench.options(bench.file("c.csv", content)), async (session, _plan, fileCheck) => {
    const [frame] = await session.query<{ n: number }>("select count(*)::int as n from _frame");
    const [repeated] = await session.query<{ n: number }>("select count(*)::int as n from _dup_ids");
    return { ...fileCheck, frame: frame!.n, repeated: repeated!.n };
  });

describe("checkFile", () => {
  it("guesses the select_one columns written as codes only, and sets up what the row checks read", async () => {
    // town, sex and league as codes (an empty cell is no answer, not another cell); aw_union
    // as a label in one row (是 = 1): not codes only
    const got = await check([HEADER, "r1,T1,V1,1,30,1,2,,", "r2,T2,V3,2,40,是,,,"].join("\n"));
    expect([...got.guessed].sort()).toEqual(["league", "sex", "town"]);
    expect(got.warnings).toEqual([]);
    // the frame's three PSUs; no id known to repeat yet
    expect(got.frame).toBe(3);
    expect(got.repeated).toBe(0);
  });

  it("refuses a file without the required columns, naming them all", async () => {
    const error = await check("rid,town,village\nr1,T1,V1\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestRefusal);
    expect((error as IngestRefusal).code).toBe("refuse.missing_columns");
    expect((error as IngestRefusal).params).toEqual({ file: "c.csv", columns: "sex, age, aw_union, league" });
  });

  it("says, without refusing, that the file's form version is not the codebook's", async () => {
    const got = await check([`${HEADER},__version__`, "r1,T1,V1,1,30,1,2,,,v9"].join("\n"));
    expect(got.warnings.map((w) => w.code)).toEqual(["warn.form_version"]);
    expect(got.warnings[0]?.en).toContain("form version v9");
  });
});
