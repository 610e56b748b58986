/**
 * The theme codebook file: parsed with errors that name the field, saved as the next version
 * with the replaced one kept in history/, a stale edit refused; and coding by its rules (hand-
 * written answers and the themes and explanations expected of them).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  codeAnswer,
  createSegmenter,
  parseThemeCodebook,
  readThemeCodebook,
  saveThemeCodebook,
} from "../../themes/index.ts";

const DEMO_CODEBOOK = join(import.meta.dirname, "../../examples/mass-org-evaluation/themes/codebook.yaml");

describe("theme codebook", () => {
  it("names the field of an error", () => {
    expect(() =>
      parseThemeCodebook(
        "version: 1\nthemes:\n  - id: Bad\n    name: { zh: 坏, en: bad }\n    keywords: [x]\n",
      ),
    ).toThrow(/field themes\.0\.id: must be lowercase/);
    expect(() => parseThemeCodebook("version: 1\nthemes:\n  - id: a\n    name: { zh: 甲, en: a }\n")).toThrow(
      /theme a has no keyword, phrase or whole-answer rule/,
    );
  });

  it("saves an edit as the next version, keeps the old one, and refuses an edit of an older version", () => {
    const dir = mkdtempSync(join(tmpdir(), "barometer-codebook-"));
    const path = join(dir, "codebook.yaml");
    cpSync(DEMO_CODEBOOK, path);
    const before = readThemeCodebook(path);
    const themes = before.themes.map((t) => (t.id === "publicity" ? { ...t, keywords: ["宣传"] } : t));
    const saved = saveThemeCodebook(
      path,
      { themes },
      { version: before.version, by: "wang", at: "2026-12-03" },
    );
    expect(saved.version).toBe(before.version + 1);
    expect(readThemeCodebook(path).themes.find((t) => t.id === "publicity")!.keywords).toEqual(["宣传"]);
    expect(readThemeCodebook(path).updated_by).toBe("wang");
    expect(readFileSync(join(dir, `history/codebook.v${before.version}.yaml`), "utf8")).toBe(
      readFileSync(DEMO_CODEBOOK, "utf8"),
    );
    expect(() =>
      saveThemeCodebook(path, { themes }, { version: before.version, by: "li", at: "2026-12-03" }),
    ).toThrow(
      `the codebook is at version ${before.version + 1}, the edit was made from version ${before.version}`,
    );
    expect(existsSync(join(dir, `history/codebook.v${before.version + 1}.yaml`))).toBe(false);
  });

  it("codes answers by its rules, several themes at once, and says what matched", () => {
    const { themes } = readThemeCodebook(DEMO_CODEBOOK);
    const segmenter = createSegmenter({ dictionary: ["暑期托管"] });
    expect(codeAnswer("希望多办暑期托管，还有职工之家一直锁着门", themes, segmenter)).toEqual({
      isBlank: false,
      matches: [
        { theme: "childcare", explanation: 'matched "托管" in "暑期托管"' },
        { theme: "venues", explanation: 'matched "职工之家" in "职工之家"' },
      ],
    });
    expect(codeAnswer("我觉得没有，谢谢", themes, segmenter).matches).toEqual([
      { theme: "no_opinion", explanation: 'whole answer is "没有"' },
    ]);
    // 活动室 is an exclusion of activities, a keyword of venues
    expect(codeAnswer("活动室太少", themes, segmenter).matches.map((m) => m.theme)).toEqual(["venues"]);
    expect(codeAnswer("不满意", themes, segmenter).matches).toEqual([]);
    expect(codeAnswer(" / ", themes, segmenter)).toEqual({ isBlank: true, matches: [] });
    expect(codeAnswer("路灯坏了", themes, segmenter)).toEqual({ isBlank: false, matches: [] });
  });
});
