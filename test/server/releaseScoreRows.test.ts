/**
 * The scores API's choice of figure (`figure=primary|direct|model`) over a release's rows, by
 * hand-made releases: one with a unit whose primary figure is model-based and whose direct
 * figure is published beside it, and one frozen before releases recorded methods (its figures
 * all direct and primary, as they were).
 */
import { describe, expect, it } from "vitest";
import { RELEASE_COLUMNS, type ReleaseFile } from "../../models/index.ts";
import { SCORE_COLUMNS, scoreRows } from "../../server/routes/releasesApi.ts";

const base = { organization_id: "union", index_id: "awareness", aspect: "", org_level: "township" };
const make = (columns: readonly string[], rows: Record<string, unknown>[]): ReleaseFile => ({
  release_id: "s-2026-r1",
  study_id: "s",
  wave_id: "2026",
  created_at: "2026-12-04T00:00:00.000Z",
  methodology_version: "m1",
  supersedes_release_id: null,
  columns: [...columns],
  rows: rows.map((r) => columns.map((c) => r[c] ?? (c === "group_var" || c === "group_value" ? "" : null))),
});
const column = (rows: unknown[][], c: string) => rows.map((r) => r[SCORE_COLUMNS.indexOf(c as never)]);

describe("scores of a release by figure", () => {
  const file = make(RELEASE_COLUMNS, [
    {
      ...base,
      unit_level: "township",
      unit_code: "T01",
      method: "fay_herriot",
      is_primary: true,
      estimate_0_100: 61,
    },
    {
      ...base,
      unit_level: "township",
      unit_code: "T01",
      method: "direct",
      is_primary: false,
      estimate_0_100: 70,
    },
    {
      ...base,
      unit_level: "township",
      unit_code: "T02",
      method: "direct",
      is_primary: true,
      estimate_0_100: 50,
    },
    {
      ...base,
      unit_level: "village",
      unit_code: "T02V01",
      method: "synthetic",
      is_primary: true,
      estimate_0_100: 48,
    },
  ]);

  it("answers each unit's primary figure by default, and the others on request", () => {
    expect(column(scoreRows(file, {}), "estimate_0_100")).toEqual([61, 50, 48]);
    expect(column(scoreRows(file, { figure: "primary" }), "method")).toEqual([
      "fay_herriot",
      "direct",
      "synthetic",
    ]);
    expect(column(scoreRows(file, { figure: "direct" }), "estimate_0_100")).toEqual([70, 50]);
    expect(column(scoreRows(file, { figure: "model" }), "unit_code")).toEqual(["T01", "T02V01"]);
    expect(column(scoreRows(file, { figure: "direct", unit: "T01" }), "is_primary")).toEqual([false]);
  });

  it("reads a release frozen before methods were recorded as direct, primary figures", () => {
    const legacy = make(
      RELEASE_COLUMNS.filter((c) => c !== "method" && c !== "is_primary"),
      [{ ...base, unit_level: "township", unit_code: "T01", estimate_0_100: 70 }],
    );
    const rows = scoreRows(legacy, {});
    expect(column(rows, "method")).toEqual(["direct"]);
    expect(column(rows, "is_primary")).toEqual([true]);
    expect(scoreRows(legacy, { figure: "model" })).toEqual([]);
  });
});
