/**
 * Discovery of candidate themes: on answers written from planted themes, each said in several
 * sentences with synonyms and with request words (期待, 恳请, …) shared by every theme alike, the
 * clusters are the planted themes, labelled by their own words; answers without a content word
 * are left out; the same answers and seed give the same themes.
 */
import { describe, expect, it } from "vitest";
import { adjustedRandIndex } from "../../bench/themes/adjustedRandIndex.ts";
import { createSegmenter, discoverThemes } from "../../themes/index.ts";

const segmenter = createSegmenter({
  dictionary: ["暑期托管", "托管班", "技能培训", "职工之家", "活动室", "留守老人", "空巢老人"],
});

/**
 * Five themes, three sentences each that share only a slot of synonyms; request words (期待,
 * 恳请, …) that are not stop words in most sentences of every theme.
 */
const PLANTED: Record<string, string[]> = {
  childcare: [
    "放暑假孩子在家没人看，{want}开{care}",
    "小孩放学后没地方去，{want}有{care}",
    "上班族最头疼的就是{care}",
  ],
  training: [
    "找不到工作，{want}组织{training}",
    "{training}的名额太少了，报不上名",
    "{want}有{training}，提高就业能力",
  ],
  wages: [
    "老板{wage}，{want}给我们撑腰",
    "工地{wage}的事情{want}有人管",
    "{want}开展法律咨询，帮我们讨回{wage}",
  ],
  venues: ["{venue}平时不开门，{want}改一改", "{venue}的器材坏了没人修", "我们村没有{venue}，{want}建一个"],
  elderly: [
    "{elder}生活不方便，{want}上门服务",
    "{want}关爱{elder}，办个老年食堂",
    "村里{elder}多，{want}去看望",
  ],
};
const SLOTS: Record<string, string[]> = {
  want: ["期待", "恳请", "盼望", "但愿", "诚恳请求"],
  care: ["暑期托管", "托管班", "课后托管", "四点半课堂"],
  training: ["技能培训", "技术培训", "职业培训", "手艺课"],
  wage: ["拖欠工资", "克扣工资", "拖欠工钱", "欠薪"],
  venue: ["职工之家", "活动室", "活动场地", "青年之家"],
  elder: ["留守老人", "空巢老人", "独居老人", "老年人"],
};

function plantedAnswers(count: number, seed: number): { text: string; theme: string }[] {
  let s = seed;
  const next = (n: number) => {
    s = (s * 48271) % 2147483647;
    return s % n;
  };
  const themes = Object.keys(PLANTED);
  return Array.from({ length: count }, () => {
    const theme = themes[next(themes.length)]!;
    const sentences = PLANTED[theme]!;
    const text = sentences[next(sentences.length)]!.replace(/\{([a-z]+)\}/g, (_m, slot: string) => {
      const options = SLOTS[slot]!;
      return options[next(options.length)]!;
    });
    return { text, theme };
  });
}

describe("discoverThemes", () => {
  const answers = plantedAnswers(300, 3);
  const discovery = discoverThemes(
    answers.map((a) => a.text),
    segmenter,
    { themes: 5 },
  );

  // (TF-IDF clustered without the latent semantic space and the reweighting, as before, gave
  // ARI 0.33–0.78 on six of these eight draws)
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "finds the planted themes, though every theme shares the request words (draw %i)",
    (draw) => {
      const drawn = plantedAnswers(300, draw);
      const found = discoverThemes(
        drawn.map((a) => a.text),
        segmenter,
        { themes: 5 },
      );
      expect(found.themes).toHaveLength(5);
      expect(
        adjustedRandIndex(
          drawn.map((a) => a.theme),
          found.assignment,
        ),
      ).toBeGreaterThan(0.9);
    },
  );

  it("clusters samples when the answers are many (each start another sample), the rest joining the nearest theme", () => {
    const options = { themes: 5, sample: 100, starts: 4 };
    const found = discoverThemes(
      answers.map((a) => a.text),
      segmenter,
      options,
    );
    expect(
      adjustedRandIndex(
        answers.map((a) => a.theme),
        found.assignment,
      ),
    ).toBeGreaterThan(0.9);
    expect(
      discoverThemes(
        answers.map((a) => a.text),
        segmenter,
        options,
      ),
    ).toEqual(found);
  });

  it("labels each theme by its own words, not the words every theme uses", () => {
    const request = new Set(SLOTS.want);
    for (const theme of discovery.themes) {
      expect(theme.terms.slice(0, 3).some((t) => request.has(t.term))).toBe(false);
      expect(theme.representatives).toHaveLength(3);
      for (const r of theme.representatives)
        expect(discovery.assignment[answers.findIndex((a) => a.text === r)]).toBe(theme.cluster);
    }
    const labels = discovery.themes.map((t) => t.terms.map((x) => x.term));
    expect(labels.some((terms) => terms.includes("托管"))).toBe(true);
    expect(labels.some((terms) => terms.includes("培训"))).toBe(true);
  });

  it("numbers the themes by size and gives every answer with a content word one of them", () => {
    const sizes = discovery.themes.map((t) => t.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(answers.length);
    for (const [i, c] of discovery.assignment.entries()) {
      expect(c).toBeGreaterThanOrEqual(0);
      expect(discovery.themes[c]!.representatives.length).toBeGreaterThan(0);
      expect(i).toBeLessThan(answers.length);
    }
  });

  it("leaves out answers without a content word, as -1", () => {
    const texts = [...answers.map((a) => a.text), "", "无", "说实话，希望…", "/"];
    const d = discoverThemes(texts, segmenter, { themes: 5 });
    expect(d.assignment.slice(-4)).toEqual([-1, -1, -1, -1]);
    expect(d.assignment.slice(0, answers.length)).toEqual(discovery.assignment);
  });

  it("gives the same themes for the same answers and seed", () => {
    const again = discoverThemes(
      answers.map((a) => a.text),
      segmenter,
      { themes: 5 },
    );
    expect(again).toEqual(discovery);
  });

  it("copes with fewer answers than themes, and with none that has a content word", () => {
    const few = discoverThemes(["托管班太少", "技能培训太少", "托管班太少"], segmenter, {
      themes: 10,
      minAnswers: 1,
    });
    expect(few.assignment.every((c) => c >= 0)).toBe(true);
    expect(few.themes.length).toBeLessThanOrEqual(3);
    expect(discoverThemes(["", "无"], segmenter)).toEqual({
      themes: [],
      assignment: [-1, -1],
      vocabulary: 0,
    });
  });
});
