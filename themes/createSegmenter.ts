import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Jieba } from "@node-rs/jieba";
import { packageRoot } from "../db/packageRoot.ts";

const require = createRequire(import.meta.url);

/** jieba's own dictionary, shipped in the npm package (nothing is downloaded at run time). */
const JIEBA_DICT: Buffer = (require("@node-rs/jieba/dict.js") as { dict: Buffer }).dict;

/** The shipped stop-word list (themes/stopwords-zh.txt, read from the sources also when running from dist/). */
export const SHIPPED_STOPWORDS: readonly string[] = readWordList(
  readFileSync(join(packageRoot(import.meta.dirname), "themes/stopwords-zh.txt"), "utf8"),
);

/** Lines of a word list: one entry a line, `#` comments and blank lines skipped, the first field only. */
export function readWordList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim().split(/\s+/)[0] ?? "")
    .filter((word) => word.length > 0);
}

export interface Segmenter {
  /** The words of a text as jieba cuts it (with the user dictionary), punctuation and spaces left out. */
  words(text: string): string[];
  /** The content words: words with a letter or a Chinese character, not stop words, two characters or more. */
  terms(text: string): string[];
  /**
   * The content words in jieba's search mode, which also gives the words inside a compound
   * (职业技能培训: 职业, 技能, 培训, 技能培训, 职业技能培训), so answers using related compounds share terms.
   * The words inside a stop word are left out with it (说实话 gives no 实话, [手机号] no 手机).
   */
  searchTerms(text: string): string[];
  /** Whether a word is on the stop-word list (shipped and the study's). */
  isStopword(word: string): boolean;
}

export interface SegmenterOptions {
  /** Domain terms kept whole (lines "term" or "term frequency"). */
  dictionary?: readonly string[];
  /** Stop words besides the shipped list. */
  stopwords?: readonly string[];
}

const WORDY = /[\p{Script=Han}A-Za-z]/u;

/**
 * A Chinese word segmenter: jieba (@node-rs/jieba, its dictionary and prebuilt binary from npm),
 * with the study's domain terms added to its dictionary, and a stop-word list.
 *
 * Example: createSegmenter({ dictionary: ["职工之家"] }).terms("职工之家平时不开门") → ["职工之家", "平时", "开门"]
 */
export function createSegmenter(options: SegmenterOptions = {}): Segmenter {
  const jieba = Jieba.withDict(JIEBA_DICT);
  const dictionary = (options.dictionary ?? []).map((line) => {
    const [term, freq] = line.trim().split(/\s+/);
    // a frequency well above the words it is made of, so jieba keeps the term whole
    return `${term} ${freq ?? 100000} n`;
  });
  if (dictionary.length > 0) jieba.loadDict(Buffer.from(`${dictionary.join("\n")}\n`, "utf8"));
  const stop = new Set([...SHIPPED_STOPWORDS, ...(options.stopwords ?? [])]);
  const words = (text: string): string[] =>
    jieba
      .cut(normalizeText(text), true)
      .map((w) => w.trim())
      .filter((w) => w.length > 0 && WORDY.test(w));
  const partsOf = (w: string) =>
    jieba.cutAll(w).filter((p) => p !== w && (p.length === 2 || (p.length === 3 && w.length > 3)));
  const content = (w: string) => w.length >= 2 && WORDY.test(w) && !stop.has(w);
  return {
    words,
    terms: (text) => words(text).filter(content),
    // jieba's search mode (each word of the plain cut, after the dictionary words of two and three
    // characters inside it), word by word so that a stop word's parts go with it
    searchTerms: (text) =>
      words(text)
        .filter((w) => !stop.has(w))
        .flatMap((w) => [...(w.length > 2 ? partsOf(w) : []), w])
        .filter(content),
    isStopword: (word) => stop.has(word),
  };
}

/** Full-width letters, digits and spaces to half-width, letters to lower case. */
export function normalizeText(text: string): string {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => {
      const half = String.fromCharCode(c.charCodeAt(0) - 0xfee0);
      return /[A-Za-z0-9]/.test(half) ? half : c;
    })
    .replace(/\u3000/g, " ")
    .toLowerCase();
}
