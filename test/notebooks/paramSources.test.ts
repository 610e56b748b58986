import { describe, expect, it } from "vitest";
import { parseNotebook } from "../../notebooks/engine/index.ts";

// Front matter of notebooks for any study (issue 14): `study:` is optional and parameters may
// take their choices from the study run on (`choices: indicators | waves`).

const notebook = (params: string, study = "") =>
  parseNotebook("t", `---\ntitle: { zh: 测试, en: Test }\n${study}params:\n${params}\n---\n\nProse.\n`);

describe("notebook front matter", () => {
  it("without study: runs on any study; with one: that study only", () => {
    expect(notebook("  wave: { type: string, default: a }").study).toBeUndefined();
    expect(notebook("  wave: { type: string, default: a }", "study: needs_survey\n").study).toBe(
      "needs_survey",
    );
  });

  it("choices: indicators | waves leave the choices and, unless declared, the default to the study", () => {
    const [index, wave] = notebook(
      "  index: { type: string, choices: indicators }\n  wave: { type: string, choices: waves, default: 2025Q1 }",
    ).params;
    expect(index).toMatchObject({ name: "index", choicesFrom: "indicators", default: "" });
    expect(index!.choices).toBeUndefined();
    expect(wave).toMatchObject({ choicesFrom: "waves", default: "2025Q1" });
  });

  it("refuses a source on a non-string parameter, a missing default without one, an unknown source", () => {
    expect(() => notebook("  n: { type: integer, choices: waves }")).toThrow(
      /parameter "n": choices: waves takes a parameter of type string/,
    );
    expect(() => notebook("  n: { type: string }")).toThrow(/parameter "n": it needs a default/);
    expect(() => notebook("  n: { type: string, choices: units }")).toThrow(
      /front matter: params\.n\.choices/,
    );
  });
});
