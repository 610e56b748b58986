/** Messages of the open-answer (theme) pages. Spread into the one catalogue (catalogue.ts). */
export const themeMessages = {
  "themes.nav": { zh: "意见主题", en: "Themes" },
  "themes.title": { zh: "意见建议的主题", en: "Themes of the open answers" },
  "themes.intro": {
    zh: "受访者在开放题中提到各主题的加权比例（分母为被问到该题的全部受访者，含未作答者），括号内为95%置信区间。",
    en: "Weighted share of respondents raising each theme in the open question (base: everyone asked, blank answers included), with the 95% confidence interval.",
  },
  "themes.question": { zh: "问题 {item}", en: "Question {item}" },
  "themes.theme": { zh: "主题", en: "Theme" },
  "themes.share": { zh: "比例（%）", en: "Share (%)" },
  "themes.ci": { zh: "95%置信区间", en: "95% CI" },
  "themes.change": { zh: "较上一波次", en: "Change since last wave" },
  "themes.n": { zh: "样本量", en: "n" },
  "themes.blank": { zh: "未作答", en: "Left blank" },
  "themes.uncoded": { zh: "未归入任何主题", en: "Not in any theme" },
  "themes.withheld": {
    zh: "样本不足或误差过大，不予显示",
    en: "withheld: too few respondents or too imprecise",
  },
  "themes.significant": { zh: "（显著）", en: " (significant)" },
  "themes.examples": { zh: "示例回答（已脱敏）", en: "Example answers (masked)" },
  "themes.no_examples": {
    zh: "该主题的回答人数过少，不显示示例。",
    en: "Too few respondents raised this theme to show examples.",
  },
  "themes.by_township": { zh: "各镇（街道）", en: "By township" },
  "themes.codebook": { zh: "主题编码表", en: "Theme codebook" },
  "themes.codebook_version": { zh: "版本 {version}", en: "version {version}" },
  "themes.codebook_help": {
    zh: "每行一个主题字段；关键词、短语用逗号分隔，短语内各词用“+”连接。保存后生成新版本并重新计算。",
    en: "Keywords and phrases separated by commas; the words of a phrase joined by +. Saving makes a new version and recomputes.",
  },
  "themes.keywords": { zh: "关键词", en: "Keywords" },
  "themes.phrases": { zh: "短语", en: "Phrases" },
  "themes.exclusions": { zh: "排除", en: "Exclusions" },
  "themes.save": { zh: "保存为新版本", en: "Save as a new version" },
  "themes.saved": {
    zh: "已保存为版本 {version}，数据已重新计算。",
    en: "Saved as version {version}; the figures were recomputed.",
  },
  "themes.uncoded_list": { zh: "未归类的回答（供完善编码表）", en: "Uncoded answers (to grow the codebook)" },
  "themes.none": { zh: "本研究没有开放题。", en: "This study has no open questions." },
} as const;
