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
  for (const theme of themes) {
    // exclusions are blanked out (same length, so positions still point into the answer)
    let own = text;
    for (const ex of theme.exclusions) own = own.split(normalizeText(ex)).join("\u0000".repeat(ex.length));
    // the whole answer, fillers (stop words: 我觉得, 谢谢) aside, is one of the theme's (cut only
    // when the answer holds one of them at all)
    const wholes = new Set(theme.whole.map((w) => normalizeText(w).replace(NOT_CONTENT, "")));
    const content = [...wholes].some((w) => bare.includes(w))
      ? cut()
          .filter((w) => wholes.has(w.word) || !segmenter.isStopword(w.word))
          .map((w) => w.word)
          .join("")
      : "";
    const whole = theme.whole.find(
      (w) => wholes.has(content) && content === normalizeText(w).replace(NOT_CONTENT, ""),
    );
    if (whole) {
      matches.push({ theme: theme.id, explanation: `whole answer is "${whole}"` });
      continue;
    }
    let explanation: string | undefined;
    for (const keyword of theme.keywords) {
      const at = own.indexOf(normalizeText(keyword));
      if (at >= 0) {
        explanation = `matched "${keyword}" in "${wordsAround(at, at + keyword.length) || keyword}"`;
        break;
      }
    }
    if (!explanation) {
      const phrase = theme.phrases.find((p) => p.every((w) => own.includes(normalizeText(w))));
      if (phrase) explanation = `matched ${phrase.map((w) => `"${w}"`).join(" + ")}`;
    }
    if (explanation) matches.push({ theme: theme.id, explanation });
  }
  return { isBlank: false, matches };
}
