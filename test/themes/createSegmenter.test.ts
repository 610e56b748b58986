/**
 * The segmenter's search mode: the words inside a compound come with it, the words inside a
 * stop word go with it.
 */
import { describe, expect, it } from "vitest";
import { createSegmenter } from "../../themes/index.ts";

describe("segmenter search terms", () => {
  const segmenter = createSegmenter({ dictionary: ["职业技能培训", "职工之家"], stopwords: ["总工会"] });

  it("gives the dictionary words inside a compound beside the compound", () => {
    const terms = segmenter.searchTerms("建议办职业技能培训！");
    expect(terms).toEqual(expect.arrayContaining(["职业技能培训", "技能", "培训"]));
    expect(segmenter.searchTerms("职工之家平时不开门")).toEqual(
      expect.arrayContaining(["职工之家", "职工", "之家"]),
    );
  });

  it("leaves out the words inside a stop word (说实话 gives no 实话, [手机号] no 手机, 总工会 no 总工)", () => {
    expect(segmenter.searchTerms("说实话，都挺好的~")).toEqual([]);
    expect(segmenter.searchTerms("有事联系我[手机号]")).toEqual(["有事", "联系"]);
    expect(segmenter.searchTerms("总工会多办技能培训")).not.toContain("总工");
  });

  it("keeps the words of the plain cut that are content words", () => {
    expect(segmenter.searchTerms("放暑假孩子在家没人看")).toEqual(
      expect.arrayContaining(["放暑假", "孩子", "在家", "没人"]),
    );
  });
});
