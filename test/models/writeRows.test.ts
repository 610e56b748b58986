/**
 * writeRows puts computed rows into a table in chunks of DuckDB's vector size, a column at a
 * time: every value comes back as it went in, across chunk edges, with null, undefined and
 * non-finite numbers as NULL, in a permanent or a temporary table, and an integer out of range
 * or with a fraction stops the write instead of wrapping around or being cut.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { type ColumnType, writeRows } from "../../models/seeds/writeRows.ts";

let db: Database;
beforeAll(async () => {
  db = await openDatabase(":memory:");
});
afterAll(async () => {
  await closeDatabase(db);
});

const COLUMNS: Record<string, ColumnType> = {
  code: "varchar",
  label: "varchar",
  estimate: "double",
  n: "integer",
  is_primary: "boolean",
};

/** 5000 rows: two whole chunks and part of a third; every kind of value in every column. */
function rowsOf(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    code: `T${String(i % 37).padStart(2, "0")}V${i}`,
    label: i % 11 === 0 ? null : i % 13 === 0 ? "" : `村委会 ${i} «ü»`,
    estimate:
      i % 17 === 0
        ? Number.NaN
        : i % 19 === 0
          ? Number.POSITIVE_INFINITY
          : i % 23 === 0
            ? undefined
            : i % 29 === 0
              ? -0.1 + 0.2 * i
              : i / 7,
    n: i % 31 === 0 ? null : i - 2500,
    is_primary: i % 41 === 0 ? null : i % 2 === 0,
  }));
}

function expected(row: Record<string, unknown>): Record<string, unknown> {
  const e = row.estimate as number | undefined;
  return {
    ...row,
    estimate: e === undefined || !Number.isFinite(e) ? null : e,
  };
}

describe("writeRows", () => {
  it("writes every value as given, across chunk edges, non-finite numbers and undefined as NULL", async () => {
    const rows = rowsOf(5000);
    await writeRows(db, "written", COLUMNS, rows);
    const back = await db.query<Record<string, unknown>>(
      "select code, label, estimate, n, is_primary from written order by rowid",
    );
    expect(back).toHaveLength(rows.length);
    // each value exactly, not to a tolerance: doubles go in as their bits
    back.forEach((r, i) => {
      expect(r).toEqual(expected(rows[i]!));
    });
    const [counts] = await db.query<{ nulls: number; empty: number }>(
      "select count(*) filter (where estimate is null)::integer as nulls, count(*) filter (where label = '')::integer as empty from written",
    );
    expect(counts!.nulls).toBe(rows.filter((r) => expected(r).estimate === null).length);
    expect(counts!.empty).toBeGreaterThan(0);
  });

  it("writes no rows as an empty table with the columns' types", async () => {
    await writeRows(db, "empty_one", COLUMNS, []);
    const types = await db.query<{ column_name: string; data_type: string }>(
      "select column_name, data_type from information_schema.columns where table_name = 'empty_one' order by ordinal_position",
    );
    expect(types.map((t) => `${t.column_name} ${t.data_type}`)).toEqual([
      "code VARCHAR",
      "label VARCHAR",
      "estimate DOUBLE",
      "n INTEGER",
      "is_primary BOOLEAN",
    ]);
    expect(await db.query("select * from empty_one")).toEqual([]);
  });

  it("writes a temporary table as well, on the session's own connection", async () => {
    const rows = rowsOf(2049);
    const back = await db.withSession(async (session) => {
      await writeRows(session, "written_temp", COLUMNS, rows, { temporary: true });
      const [t] = await session.query<{ temporary: boolean }>(
        "select temporary from duckdb_tables() where table_name = 'written_temp'",
      );
      expect(t!.temporary).toBe(true);
      return session.query<Record<string, unknown>>(
        "select code, label, estimate, n, is_primary from written_temp order by rowid",
      );
    });
    expect(back).toEqual(rows.map(expected));
  });

  it("stops at an integer out of range or with a fraction instead of wrapping or cutting it", async () => {
    await expect(writeRows(db, "too_big", { n: "integer" }, [{ n: 1 }, { n: 2 ** 31 }])).rejects.toThrow(
      /int32|range/i,
    );
    await expect(writeRows(db, "not_whole", { n: "integer" }, [{ n: 2.5 }])).rejects.toThrow(/integer/i);
  });
});
