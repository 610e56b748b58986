import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkRows } from "../../ingest/checkRows.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { landRows } from "../../ingest/landRows.ts";
import { refuseStrict } from "../../ingest/recordRefused.ts";
import { recordUpload } from "../../ingest/recordUpload.ts";
import { messages } from "../../messages/catalogue.ts";
import { type Bench, HEADER, openBench, withPlan } from "./stageBench.ts";

// Recording, the last stage of the upload's transaction (committed here, as ingestFile does
// unless it starts over): the quarantine and the upload's row, or a refusal that keeps the
// rejected rows. Counts are those of the rows written.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const count = async (sql: string, upload: string) =>
  (await bench.db.query<{ n: number }>(sql, { u: upload }))[0]!.n;

/** check → land → record, committed; what was recorded and what the tables hold for the upload. */
const record = (rows: string[], strict = false) =>
  withPlan(
    bench,
    bench.options(bench.file("w.csv", [HEADER, ...rows].join("\n"))),
    async (session, plan, fileCheck) => {
      const recorded = await session.transaction(async (tx) => {
        const checks = await checkRows(tx, plan, fileCheck.guessed);
        if (strict) return refuseStrict(tx, plan, checks);
        await landRows(tx, plan, checks);
        return recordUpload(tx, plan, checks);
      });
      const u = plan.uploadId;
      const tables = {
        uploads: await count(
          "select count(*)::int as n from uploads where upload_id = $u and status = 'loaded'",
          u,
        ),
        refused: await count("select count(*)::int as n from refused_uploads where upload_id = $u", u),
        quarantine: await count("select count(*)::int as n from quarantine where upload_id = $u", u),
        quarantine_rows: await count(
          "select count(*)::int as n from quarantine_rows where upload_id = $u",
          u,
        ),
      };
      return { recorded, tables };
    },
  );

describe("recordUpload", () => {
  it("records the upload with its counts, and the quarantine with each reason and each row", async () => {
    const { recorded, tables } = await record([
      "r1,T1,V1,1,30,1,2,,",
      "r2,T1,V1,3,15,1,2,,",
      "r3,T2,V3,2,40,1,,,",
    ]);
    expect(recorded).toMatchObject({ kind: "loaded", rows: 3, accepted: 2, rejected: 1 });
    expect(recorded.errors.map((e) => [e.column, e.reason, e.count])).toEqual([
      ["age", "reject.constraint", 1],
      ["sex", "reject.unknown_code", 1],
    ]);
    expect(recorded.errors[0]?.first[0]).toMatchObject({ row: 3, value: "15" });
    expect(tables).toEqual({ uploads: 1, refused: 0, quarantine: 2, quarantine_rows: 1 });
  });

  it("refuses a file whose every row fails, keeping the rejected rows under the upload id", async () => {
    const { recorded, tables } = await record(["r1,T1,V1,3,30,1,2,,", "r2,T1,V1,4,30,1,2,,"]);
    expect(recorded).toMatchObject({ kind: "refused", rows: 2, accepted: 0, rejected: 2 });
    if (recorded.kind !== "refused") throw new Error("not refused");
    expect(recorded.refusal.code).toBe("refuse.all_rejected");
    expect(recorded.refusal.texts).toEqual(messages("refuse.all_rejected", { count: 2, file: "w.csv" }));
    expect(tables).toEqual({ uploads: 0, refused: 1, quarantine: 2, quarantine_rows: 2 });
  });

  it("refuses a file with a header and no rows (nothing is kept: the transaction rolls back)", async () => {
    const error = await record([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestRefusal);
    expect((error as IngestRefusal).code).toBe("refuse.no_rows");
  });
});

describe("refuseStrict", () => {
  it("keeps a strict refusal's rejected rows, with the rows the file has", async () => {
    const { recorded, tables } = await record(["r1,T1,V1,1,30,1,2,,", "r2,T1,V1,3,30,1,2,,"], true);
    expect(recorded).toMatchObject({ kind: "refused", rows: 2, accepted: 1, rejected: 1 });
    expect(recorded.kind === "refused" && recorded.refusal.code).toBe("refuse.strict");
    expect(tables).toEqual({ uploads: 0, refused: 1, quarantine: 1, quarantine_rows: 1 });
  });
});
