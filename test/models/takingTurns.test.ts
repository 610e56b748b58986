/**
 * The models of a run share one connection and run concurrently: their statements take turns
 * (db/takingTurns.ts). Concurrent queries all answer correctly, an appender's rows go in with
 * nothing in between, and a turn asked inside a turn does not wait for itself. Unhurried
 * statements (a model's contract checks) go after every ordinary one waiting.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { sessionOf } from "../../db/Database.ts";
import { takingTurns } from "../../db/index.ts";

async function memorySession() {
  const instance = await DuckDBInstance.create(":memory:");
  return sessionOf(await instance.connect());
}

describe("takingTurns", () => {
  it("answers many concurrent statements on one connection, each its own", async () => {
    const s = takingTurns(await memorySession());
    await s.run("create table t as select range as i from range(100000)");
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, k) =>
        k % 3 === 0
          ? s.connection
              .runAndReadAll(`select sum(i)::bigint + ${k} as v from t`)
              .then((r) => Number(r.getRows()[0]![0]))
          : s
              .query<{ v: number }>(`select count(*)::integer + ${k} as v from t where i % 7 = $m`, {
                m: k % 7,
              })
              .then((r) => r[0]!.v),
      ),
    );
    answers.forEach((v, k) => {
      const expected =
        k % 3 === 0
          ? 4999950000 + k
          : Array.from({ length: 100000 }, (_, i) => i).filter((i) => i % 7 === k % 7).length + k;
      expect(v).toBe(expected);
    });
  });

  it("holds the turn over an appender: no other statement lands in between", async () => {
    const s = takingTurns(await memorySession());
    await s.run("create table log (who varchar, k integer)");
    const order: string[] = [];
    const appending = s.exclusive(async () => {
      const a = await s.connection.createAppender("log");
      for (let i = 0; i < 2000; i++) {
        a.appendVarchar("appender");
        a.appendInteger(i);
        a.endRow();
        if (i % 500 === 499) {
          a.flushSync();
          await new Promise((ok) => setImmediate(ok));
        }
      }
      a.closeSync();
      // a turn inside a turn goes straight through
      await s.run("insert into log values ('inside', -1)");
      order.push("appender done");
    });
    const other = s.run("insert into log values ('other', -2)").then(() => order.push("other done"));
    await Promise.all([appending, other]);
    expect(order).toEqual(["appender done", "other done"]);
    const rows = await s.query<{ who: string; n: number }>(
      "select who, count(*)::integer as n from log group by who order by who",
    );
    expect(rows).toEqual([
      { who: "appender", n: 2000 },
      { who: "inside", n: 1 },
      { who: "other", n: 1 },
    ]);
  });

  it("lets ordinary statements waiting go before unhurried ones, each lane in its order", async () => {
    const s = takingTurns(await memorySession());
    await s.run("create table log (who varchar, k integer)");
    const order: string[] = [];
    const log = (session: { run: typeof s.run }, who: string) =>
      session.run(`insert into log values ('${who}', 0)`).then(() => order.push(who));
    // the first takes the connection; while it runs, two unhurried and two ordinary ones queue
    const all = [
      log(s, "first"),
      log(s.unhurried, "check 1"),
      log(s, "build 1"),
      log(s.unhurried, "check 2"),
      log(s, "build 2"),
    ];
    await Promise.all(all);
    expect(order).toEqual(["first", "build 1", "build 2", "check 1", "check 2"]);
    // an unhurried statement alone runs at once, and a failure in either lane stops nothing
    await expect(s.unhurried.run("select * from no_such_table")).rejects.toThrow(/no_such_table/);
    expect(await s.unhurried.query<{ n: number }>("select count(*)::integer as n from log")).toEqual([
      { n: 5 },
    ]);
    // inside a turn, an unhurried statement goes straight through (it would wait for itself)
    expect(await s.exclusive(() => s.unhurried.query<{ v: number }>("select 7 as v"))).toEqual([{ v: 7 }]);
  });

  it("a failed statement does not stop the ones after it", async () => {
    const s = takingTurns(await memorySession());
    const bad = s.run("select * from no_such_table");
    const good = s.query<{ v: number }>("select 42 as v");
    await expect(bad).rejects.toThrow(/no_such_table/);
    expect(await good).toEqual([{ v: 42 }]);
  });
});
