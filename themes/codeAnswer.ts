import type { Segmenter } from "./createSegmenter.ts";
import { normalizeText } from "./createSegmenter.ts";
import type { Theme } from "./themeCodebook.ts";

export interface ThemeMatch {
  theme: string;
  /** What matched and where: `matched "托管" in "暑期托管"`. */
  explanation: string;
}

export interface CodedAnswer {
  /** Empty, or only punctuation and spaces. */
  isBlank: boolean;
  /** The themes the answer raises, in codebook order (none: uncoded). */
  matches: ThemeMatch[];
}

const NOT_CONTENT = /[\s\p{P}\p{S}]/gu;

/**
 * Code one (masked) answer by the theme codebook's rules: deterministic, and each theme it raises
 * says which rule matched in which words. An answer may raise several themes.
 *
 * Example: codeAnswer("希望多办暑期托管", themes, segmenter).matches
 *   → [{ theme: "childcare", explanation: 'matched "托管" in "暑期托管"' }]
 */
export function codeAnswer(
  answer: string | null,
  themes: readonly Theme[],
  segmenter: Segmenter,
): CodedAnswer {
  const text = normalizeText(answer ?? "");
  const bare = text.replace(NOT_CONTENT, "");
  if (bare.length === 0) return { isBlank: true, matches: [] };
  const matches: ThemeMatch[] = [];
  // the answer cut into words once, when a rule needs them
  let words: { word: string; start: number; end: number }[] | undefined;
  const cut = () => {
    if (!words) {
      words = [];
      let at = 0;
      for (const word of segmenter.words(text)) {
        const start = text.indexOf(word, at);
        if (start < 0) continue;
        words.push({ word, start, end: start + word.length });
        at = start + word.length;
      }
    }
    return words;
  };
  const wordsAround = (start: number, end: number): string =>
    cut()
      .filter((w) => w.start < end && w.end > start)
      .map((w) => w.word)
      .join("");
  for (const theme of rulesOf(themes)) {
    // exclusions are blanked out (same length, so positions still point into the answer)
    let own = text;
    for (const ex of theme.exclusions) own = own.split(ex.text).join("\u0000".repeat(ex.length));
    // the whole answer, fillers (stop words: 我觉得, 谢谢) aside, is one of the theme's (cut only
    // when the answer holds one of them at all)
    const { wholes } = theme;
    const content = [...wholes].some((w) => bare.includes(w))
      ? cut()
          .filter((w) => wholes.has(w.word) || !segmenter.isStopword(w.word))
          .map((w) => w.word)
          .join("")
      : "";
    const whole = wholes.has(content) ? theme.whole.find((w) => content === w.text) : undefined;
    if (whole) {
      matches.push({ theme: theme.id, explanation: `whole answer is "${whole.as}"` });
      continue;
    }
    let explanation: string | undefined;
    for (const keyword of theme.keywords) {
      const at = own.indexOf(keyword.text);
      if (at >= 0) {
        explanation = `matched "${keyword.as}" in "${wordsAround(at, at + keyword.as.length) || keyword.as}"`;
        break;
      }
    }
    if (!explanation) {
      const phrase = theme.phrases.find((p) => p.every((w) => own.includes(w.text)));
      if (phrase) explanation = `matched ${phrase.map((w) => `"${w.as}"`).join(" + ")}`;
    }
    if (explanation) matches.push({ theme: theme.id, explanation });
  }
  return { isBlank: false, matches };
}

/** A rule's word as the codebook writes it (`as`, for explanations) and as answers are matched (`text`). */
interface RuleWord {
  as: string;
  text: string;
}

/** A theme's rules with their words normalized once per codebook, not once per answer. */
interface ThemeRules {
  id: string;
  exclusions: { text: string; length: number }[];
  /** the whole answers, normalized and without punctuation or spaces */
  wholes: Set<string>;
  whole: RuleWord[];
  keywords: RuleWord[];
  phrases: RuleWord[][];
}

const rulesCache = new WeakMap<readonly Theme[], ThemeRules[]>();

function rulesOf(themes: readonly Theme[]): ThemeRules[] {
  let rules = rulesCache.get(themes);
  if (!rules) {
    const word = (w: string): RuleWord => ({ as: w, text: normalizeText(w) });
    rules = themes.map((theme) => {
      const whole = theme.whole.map((w) => ({ as: w, text: normalizeText(w).replace(NOT_CONTENT, "") }));
      return {
        id: theme.id,
        exclusions: theme.exclusions.map((ex) => ({ text: normalizeText(ex), length: ex.length })),
        wholes: new Set(whole.map((w) => w.text)),
        whole,
        keywords: theme.keywords.map(word),
        phrases: theme.phrases.map((p) => p.map(word)),
      };
    });
    rulesCache.set(themes, rules);
  }
  return rules;
}
