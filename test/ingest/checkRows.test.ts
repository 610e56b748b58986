import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHECKED } from "../../ingest/buildValidation.ts";
import { checkRows } from "../../ingest/checkRows.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { ingestFile } from "../../ingest/index.ts";
import { type Bench, HEADER, openBench, withPlan } from "./stageBench.ts";

// The row checks, in the upload's transaction (rolled back here): the failing rows and their
// reasons in CHECKED, a wrong guess of the columns holding codes only put right by a second
// pass, a personal column mixing hashes and clear values refused. Codebook and frame:
// test/helpers/tinyStudy.ts.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const HASH = `hmac:${"ab".repeat(32)}`;

/** Check the rows of a file (the guess as the file check made it, unless given); what CHECKED holds. */
const check = (rows: string[], guessed?: string[], extra = {}) =>
  withPlan(
    bench,
    bench.options(bench.file("r.csv", [HEADER, ...rows].join("\n")), extra),
    (session, plan, fileCheck) =>
      session.transaction(
        async (tx) => {
          const checks = await checkRows(tx, plan, guessed ? new Set(guessed) : fileCheck.guessed);
          const bad = await tx.query<{ source_row: number; reasons: string[] }>(
            `select source_row, list_sort(list_transform(errors, e -> e.c || ' ' || e.k)) as reasons
           from ${CHECKED} order by source_row`,
          );
          return { rejected: checks.rejected, clean: [...checks.clean].sort(), bad };
        },
        { keep: () => false },
      ),
  );

describe("checkRows", () => {
  it("puts the failing rows in CHECKED with every reason, and counts them", async () => {
    const got = await check([
      "r1,T1,V1,1,30,1,2,,",
      "r2,T1,V1,3,15,1,2,,",
      "r3,T9,V3,2,40,1,,,",
      "r4,T2,V3,2,40,1,,,",
    ]);
    expect(got.rejected).toBe(2);
    expect(got.bad).toEqual([
      { source_row: 3, reasons: ["age reject.constraint", "sex reject.unknown_code"] },
      {
        source_row: 4,
        reasons: ["town reject.unknown_code", "town reject.unknown_stratum"],
      },
    ]);
  });

  it("checks again, in full, a column guessed to hold codes only that does not (a label further down)", async () => {
    // aw_union guessed clean, but row 3 answers it with a label (是 = 1): a valid answer
    const got = await check(["r1,T1,V1,1,30,1,2,,", "r2,T1,V1,1,30,是,2,,"], ["aw_union", "sex", "town"]);
    expect(got).toEqual({ rejected: 0, clean: ["sex", "town"], bad: [] });
  });

  it("knows the ids loaded in the wave, except those of the upload being replaced", async () => {
    const first = await ingestFile(
      bench.db,
      bench.options(bench.file("a.csv", `${HEADER}\nr1,T1,V1,1,30,1,2,,\n`)),
    );
    expect(first.status).toBe("loaded");
    const again = await check(["r1,T1,V1,2,31,1,2,,"]);
    expect(again.bad).toEqual([{ source_row: 2, reasons: ["rid reject.duplicate_id_in_wave"] }]);
    const replacing = await check(["r1,T1,V1,2,31,1,2,,"], undefined, { replace: first.upload_id });
    expect(replacing.rejected).toBe(0);
  });

  it("takes marked hashes in a personal column as they are", async () => {
    const got = await check([`r1,T1,V1,1,30,1,2,${HASH},`, `r2,T1,V1,1,30,1,2,${HASH},`]);
    expect(got.rejected).toBe(0);
  });

  it("refuses a personal column mixing marked hashes and clear values, naming the rows of each", async () => {
    const error = await check([`r1,T1,V1,1,30,1,2,${HASH},`, "r2,T1,V1,1,30,1,2,13800000002,"]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IngestRefusal);
    expect((error as IngestRefusal).code).toBe("refuse.mixed_hmac");
    expect((error as IngestRefusal).params).toEqual({
      file: "r.csv",
      column: '"phone"',
      clear_rows: "3",
      hashed_rows: "2",
    });
  });
});
