import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { toCsv, toXlsx } from "../../server/exports.ts";
import { figureTable } from "../../server/routes/figureTable.ts";
import type { ScoreRow } from "../../server/routes/scoreRows.ts";

// A figure table as it downloads: the page's numbers (rounded to one decimal), and names a
// spreadsheet would run as formulas written as text.
const row = (over: Partial<ScoreRow>): ScoreRow => ({
  wave_id: "2026",
  organization_id: "union",
  org_zh: "工会",
  org_en: "Trade union",
  index_id: "composite",
  aspect: "",
  org_level: "township",
  unit_level: "township",
  unit_code: "T01",
  unit_zh: "竹和街道",
  unit_en: "Zhuhe",
  group_var: "",
  group_value: "",
  estimate_0_100: 61.234,
  ci_low_0_100: 58.01,
  ci_high_0_100: 64.46,
  n: 120,
  n_eff: 80,
  is_withheld: false,
  withheld_reason: "",
  is_unreliable: false,
  previous_wave_id: "2025",
  change_0_100: 3.14,
  change_ci_low_0_100: 0.5,
  change_ci_high_0_100: 5.78,
  change_p_value: 0.02,
  is_change_significant: true,
  change_note: "independent_samples",
  tier: 1,
  ...over,
});

const rules = { min_n: 30, max_rse: 0.5 } as Parameters<typeof figureTable>[3];

describe("figureTable", () => {
  it("rounds as the page shows and says why a figure is withheld", () => {
    const table = figureTable(
      "t",
      [
        row({}),
        row({ unit_code: "T02", is_withheld: true, withheld_reason: "min_n", estimate_0_100: null, n: null }),
      ],
      "en",
      rules,
      () => "Composite",
    );
    expect(table.rows[0]).toEqual([
      "Zhuhe",
      "Trade union",
      "Composite",
      61.2,
      58,
      64.5,
      120,
      3.1,
      0.5,
      5.8,
      "significant",
      1,
      "",
      "direct",
    ]);
    expect(table.rows[1]![3]).toBeNull();
    expect(table.rows[1]![12]).toContain("30");
  });

  it("says which figures are model-based, and why one is withheld by its relative RMSE", () => {
    const table = figureTable(
      "t",
      [
        row({ method: "fay_herriot" }),
        row({ unit_code: "T02", method: "synthetic" }),
        row({ unit_code: "T03", method: "fay_herriot", is_withheld: true, withheld_reason: "rrmse" }),
      ],
      "zh",
      rules,
      () => "综合指数",
    );
    expect(table.columns.at(-1)).toBe("方法");
    expect(table.rows.map((r) => r.at(-1))).toEqual([
      "模型估计 / model-based",
      "模型估计 / model-based（合成：无受访者）",
      "模型估计 / model-based",
    ]);
    expect(table.rows[2]![12]).toBe("误差过大，不公布");
  });

  it("escapes a name that starts a formula, in CSV and in XLSX", async () => {
    const hostile = '=HYPERLINK("http://x","y")';
    const table = figureTable(
      "t",
      [row({ unit_en: hostile, org_en: "@SUM(A1)" })],
      "en",
      rules,
      () => "-1+1",
    );
    const csv = toCsv(table.columns, table.rows);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).toContain("'@SUM(A1)");
    expect(csv).toContain("'-1+1");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await toXlsx("t", table.columns, table.rows)) as unknown as ArrayBuffer);
    const cells = workbook.worksheets[0]!.getRow(2).values as unknown[];
    expect(cells[1]).toBe(`'${hostile}`);
    expect(cells[4]).toBe(61.2); // numbers stay numbers
  });
});
