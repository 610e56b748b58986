/**
 * The notebook ```themes``` block: parsed into a SQL block over theme_scores (checked fields,
 * the wave bound as the notebook's parameter), and refused with block and line when wrong.
 * Running it on data is in test/browser/themes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parseNotebook } from "../../notebooks/engine/parseNotebook.ts";

const notebook = (block: string) => `---
title: { zh: 主题, en: Themes }
study: mass_org_evaluation
params:
  wave: { type: string, default: "2026" }
---

Text.

\`\`\`themes name=union_themes
${block}
\`\`\`
`;

describe("themes block", () => {
  it("becomes a SQL block over theme_scores with the wave as a parameter", () => {
    const parsed = parseNotebook(
      "t",
      notebook("study: mass_org_evaluation\nitem: op_un\nwave: $wave\ntop: 3"),
    );
    const block = parsed.blocks.find((b) => b.kind === "sql");
    expect(block).toMatchObject({ kind: "sql", name: "union_themes", line: 10, table: true });
    const sql = (block as { sql: string }).sql;
    expect(sql).toContain("from theme_scores__mass_org_evaluation");
    expect(sql).toContain("wave_id = $wave and item = 'op_un' and unit_level = 'district'");
    expect(sql).toContain("theme_rank <= 3");
  });

  it("refuses an item that is not a name, naming the block and line", () => {
    expect(() =>
      parseNotebook("t", notebook('study: mass_org_evaluation\nitem: "op_un\' or 1=1 --"\nwave: $wave')),
    ).toThrow(/union_themes.*line 10|line 10.*union_themes/);
  });
});
