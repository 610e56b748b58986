import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";

// A session's transaction: committed when its work returns, rolled back when it throws or
// when it returns a value `keep` does not keep (the ingest's "retry").

let db: Database;
beforeEach(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-tx-")), "tx.duckdb"));
  await db.run("create table t (x integer)");
});
afterEach(async () => {
  await closeDatabase(db);
});

const rows = async () => (await db.query<{ n: number }>("select count(*)::int as n from t"))[0]!.n;

describe("OwnSession.transaction", () => {
  it("commits what returns, and what keep keeps", async () => {
    await db.withSession((s) => s.transaction((tx) => tx.run("insert into t values (1)")));
    const kept = await db.withSession((s) =>
      s.transaction(
        async (tx) => {
          await tx.run("insert into t values (2)");
          return { kind: "done" };
        },
        { keep: (r) => r.kind === "done" },
      ),
    );
    expect(kept).toEqual({ kind: "done" });
    expect(await rows()).toBe(2);
  });

  it("rolls back, and returns, a value keep does not keep", async () => {
    const returned = await db.withSession((s) =>
      s.transaction(
        async (tx) => {
          await tx.run("insert into t values (1)");
          return { kind: "retry" };
        },
        { keep: (r) => r.kind !== "retry" },
      ),
    );
    expect(returned).toEqual({ kind: "retry" });
    expect(await rows()).toBe(0);
  });

  it("rolls back what throws", async () => {
    const failed = db.withSession((s) =>
      s.transaction(async (tx) => {
        await tx.run("insert into t values (1)");
        throw new Error("no");
      }),
    );
    await expect(failed).rejects.toThrow("no");
    expect(await rows()).toBe(0);
  });
});
