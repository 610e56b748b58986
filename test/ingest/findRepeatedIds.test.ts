import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkRows } from "../../ingest/checkRows.ts";
import { findRepeatedIds, noteRepeatedIds } from "../../ingest/findRepeatedIds.ts";
import { landRows } from "../../ingest/landRows.ts";
import { type Bench, HEADER, openBench, withPlan } from "./stageBench.ts";

// The search for ids repeated in the file among the rows just landed and quarantined: the
// ids found are the ones written twice (by construction of the file), in one part or many;
// once noted, a second try finds none.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

/** Check, land and search twice in a row (the second time with the first search's ids noted). */
const search = (rows: string[], idPartRows?: number) =>
  withPlan(
    bench,
    bench.options(bench.file("d.csv", [HEADER, ...rows].join("\n")), { idPartRows }),
    async (session, plan, fileCheck) => {
      const once = () =>
        session.transaction(
          async (tx) => {
            const checks = await checkRows(tx, plan, fileCheck.guessed);
            await landRows(tx, plan, checks);
            return (await findRepeatedIds(tx, plan)).sort();
          },
          { keep: () => false },
        );
      const first = await once();
      await noteRepeatedIds(session, first);
      return { first, second: await once() };
    },
  );

describe("findRepeatedIds", () => {
  // r2 twice (once among the failing rows: sex 3), r4 three times, r1 and r3 once
  const rows = [
    "r1,T1,V1,1,30,1,2,,",
    "r2,T1,V1,1,30,1,2,,",
    "r2,T1,V1,3,30,1,2,,",
    "r3,T1,V1,1,30,1,2,,",
    "r4,T1,V1,1,30,1,2,,",
    "r4,T1,V1,2,30,1,2,,",
    "r4,T2,V3,2,30,1,2,,",
  ];

  it("finds the ids written more than once, landed or quarantined", async () => {
    expect(await search(rows)).toEqual({ first: ["r2", "r4"], second: [] });
  });

  it("finds the same ids when the search runs in parts of two ids", async () => {
    expect(await search(rows, 2)).toEqual({ first: ["r2", "r4"], second: [] });
  });

  it("finds none in a file without repeats", async () => {
    expect(await search(rows.slice(0, 2))).toEqual({ first: [], second: [] });
  });
});
