import { describe, expect, it } from "vitest";
import { RELEASE_COLUMNS, type ReleaseFile } from "../../models/index.ts";
import { headlineRows, withChange } from "../../server/report/reportData.ts";

// The report's rows and their change, from two release files made here: hand-computed values.
function release(wave: string, rows: Record<string, unknown>[]): ReleaseFile {
  const base: Record<string, unknown> = Object.fromEntries(RELEASE_COLUMNS.map((c) => [c, null]));
  return {
    release_id: `s-${wave}-r1`,
    study_id: "s",
    wave_id: wave,
    created_at: "2026-01-01T00:00:00Z",
    methodology_version: "t",
    supersedes_release_id: null,
    columns: [...RELEASE_COLUMNS],
    rows: rows.map((r) => {
      const row: Record<string, unknown> = {
        ...base,
        organization_id: "o",
        org_level: "",
        unit_level: "district",
        unit_code: "",
        group_var: "",
        group_value: "",
        is_withheld: false,
        withheld_reason: "",
        ...r,
      };
      return RELEASE_COLUMNS.map((c) => row[c]);
    }),
  };
}

describe("report rows from a release", () => {
  const q3 = release("Q3", [
    { index_id: "benefit", aspect: "", estimate_0_100: 40, se_0_100: 3 },
    { index_id: "needs", aspect: "1", estimate_0_100: 41.6, se_0_100: 2 },
    { index_id: "needs", aspect: "4", estimate_0_100: 16.2, se_0_100: 2 },
    { index_id: "approval", aspect: "services", estimate_0_100: 70, se_0_100: 1 },
    {
      index_id: "trust",
      aspect: "",
      estimate_0_100: null,
      se_0_100: null,
      is_withheld: true,
      withheld_reason: "min_n",
    },
  ]);
  const q4 = release("Q4", [
    { index_id: "benefit", aspect: "", estimate_0_100: 47.1, se_0_100: 4 },
    { index_id: "needs", aspect: "1", estimate_0_100: 42.8, se_0_100: 2 },
    { index_id: "needs", aspect: "4", estimate_0_100: 20.1, se_0_100: 2 },
    { index_id: "approval", aspect: "services", estimate_0_100: 72, se_0_100: 1 },
    { index_id: "trust", aspect: "", estimate_0_100: 50, se_0_100: 5 },
    { index_id: "new", aspect: "", estimate_0_100: 10, se_0_100: 1 },
  ]);
  const perOption = new Set(["needs"]);

  it("keeps headline rows and each option of a multi_share indicator, not other aspects", () => {
    const rows = headlineRows(q4, perOption);
    expect(rows.map((r) => `${r.index_id}/${r.aspect}`)).toEqual([
      "benefit/",
      "needs/1",
      "needs/4",
      "trust/",
      "new/",
    ]);
  });

  it("measures change against the same figure of the previous release, option by option", () => {
    const rows = headlineRows(q4, perOption);
    withChange(rows, headlineRows(q3, perOption), 0.95, true);
    const of = (id: string, aspect = "") => rows.find((r) => r.index_id === id && r.aspect === aspect)!;
    // 47.1 − 40 = 7.1, se = 5, z = 1.42: not significant at 95%
    expect(of("benefit").change_0_100).toBeCloseTo(7.1, 12);
    expect(of("benefit").is_change_significant).toBe(false);
    // option 4: 20.1 − 16.2 = 3.9 (not option 1's 41.6), se = √8, z = 1.379
    expect(of("needs", "4").change_0_100).toBeCloseTo(3.9, 12);
    expect(of("needs", "4").change_p_value).toBeCloseTo(0.16789, 4);
    expect(of("needs", "1").change_0_100).toBeCloseTo(1.2, 12);
    // withheld before, or not measured before: no change, and why
    expect([of("trust").change_0_100, of("trust").change_note]).toEqual([null, "withheld_in_either_wave"]);
    expect([of("new").change_0_100, of("new").change_note]).toEqual([null, "not_measured_in_previous_wave"]);
  });

  it("says there is no previous release rather than inventing a change", () => {
    const rows = headlineRows(q4, perOption);
    withChange(rows, [], 0.95, false);
    expect(rows.every((r) => r.change_0_100 === null && r.change_note === "no_previous_release")).toBe(true);
  });

  it("marks a change significant when its p-value is below 1 − the level", () => {
    const a = headlineRows(
      release("A", [{ index_id: "x", aspect: "", estimate_0_100: 50, se_0_100: 1 }]),
      perOption,
    );
    const b = headlineRows(
      release("B", [{ index_id: "x", aspect: "", estimate_0_100: 53, se_0_100: 1 }]),
      perOption,
    );
    withChange(b, a, 0.95, true);
    // z = 3 / √2 = 2.1213, p = 0.0339
    expect(b[0]!.change_p_value).toBeCloseTo(0.0339, 4);
    expect(b[0]!.is_change_significant).toBe(true);
  });
});
