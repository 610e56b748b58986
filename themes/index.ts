/** Open answers: masking, segmentation, discovery of themes, the theme codebook and coding. */
export { type CodedAnswer, codeAnswer, type ThemeMatch } from "./codeAnswer.ts";
export {
  createSegmenter,
  normalizeText,
  readWordList,
  type Segmenter,
  type SegmenterOptions,
  SHIPPED_STOPWORDS,
} from "./createSegmenter.ts";
export {
  type CandidateTheme,
  type DiscoverOptions,
  type Discovery,
  discoverThemes,
} from "./discoverThemes.ts";
export { MASK_RULES, type MaskResult, type MaskRule, maskPersonalText } from "./maskPersonalText.ts";
export {
  type OpenAnswerFiles,
  type OpenAnswerSetup,
  openAnswerSetup,
  segmenterOf,
} from "./openAnswerSetup.ts";
export {
  parseThemeCodebook,
  readThemeCodebook,
  saveThemeCodebook,
  type Theme,
  type ThemeCodebook,
  themeCodebookSchema,
} from "./themeCodebook.ts";
