import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkRows } from "../../ingest/checkRows.ts";
import { rawTableName } from "../../ingest/index.ts";
import { landRows } from "../../ingest/landRows.ts";
import { type Bench, HEADER, KEY, openBench, withPlan } from "./stageBench.ts";

// Landing: the rows that passed every check go into the study's raw table (in the upload's
// transaction, rolled back here), typed, with personal data HMACed (expected hashes from
// node:crypto's HMAC-SHA256 with the same key) or left out.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const land = (rows: string[]) =>
  withPlan(
    bench,
    bench.options(bench.file("l.csv", [HEADER, ...rows].join("\n"))),
    (session, plan, fileCheck) =>
      session.transaction(
        async (tx) => {
          const checks = await checkRows(tx, plan, fileCheck.guessed);
          await landRows(tx, plan, checks);
          return tx.query<Record<string, unknown>>(
            `select * exclude (wave_id) replace (typeof(sex) as sex, typeof(age) as age)
           from ${rawTableName("tiny")} where upload_id = $u order by source_row`,
            { u: plan.uploadId },
          );
        },
        { keep: () => false },
      ),
  );

describe("landRows", () => {
  it("lands the rows that pass, typed, the phone as its HMAC and no name, under the upload id", async () => {
    const landed = await land([
      "r1,T1,V1,1,30,1,2,13800000001,张三",
      "r2,T1,V1,3,30,1,2,,",
      "r3,T2,V3,2,40,是,,,",
    ]);
    const hmac = (v: string) => createHmac("sha256", KEY).update(v).digest("hex");
    expect(landed).toEqual([
      {
        upload_id: expect.stringMatching(/^up_test_/),
        source_row: 2,
        respondent_id: "r1",
        town: "T1",
        village: "V1",
        sex: "SMALLINT",
        age: "BIGINT",
        aw_union: 1,
        league: 2,
        phone: hmac("13800000001"),
      },
      {
        upload_id: expect.stringMatching(/^up_test_/),
        source_row: 4,
        respondent_id: "r3",
        town: "T2",
        village: "V3",
        sex: "SMALLINT",
        age: "BIGINT",
        // a label lands as its code
        aw_union: 1,
        league: null,
        phone: null,
      },
    ]);
  });

  it("lands nothing when no row passes", async () => {
    expect(await land(["r1,T1,V1,3,30,1,2,,"])).toEqual([]);
  });
});
