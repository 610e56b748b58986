import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Study } from "../study/index.ts";
import { createSegmenter, readWordList, type Segmenter } from "./createSegmenter.ts";
import { readThemeCodebook, type ThemeCodebook } from "./themeCodebook.ts";

/** Where a study's open-answer tools come from: the codebook and the word lists, by path. */
export interface OpenAnswerFiles {
  codebookPath: string;
  dictionaryPath?: string;
  stopwordsPath?: string;
}

export interface OpenAnswerSetup {
  /** The open questions, each with the organization it is about ("" for none). */
  items: { item: string; organizationId: string }[];
  codebookPath: string;
  codebook: ThemeCodebook;
  segmenter: Segmenter;
  /** The files the codebook and segmenter were read from (another thread makes its own from them). */
  files: OpenAnswerFiles;
}

/**
 * A study's open-answer setup (study.yaml `open_answers`) read from its folder: the theme
 * codebook, and a segmenter with the study's dictionary and stop words. null when the study has
 * none. An item or organization the study does not know is an error naming the field.
 */
export function openAnswerSetup(study: Study): OpenAnswerSetup | null {
  const def = study.open_answers;
  if (!def) return null;
  const known = new Set([...study.codebookByVersion.values()].flatMap((c) => c.items.map((i) => i.name)));
  const orgs = new Set(study.organizations.map((o) => o.id));
  def.items.forEach((it, i) => {
    if (!known.has(it.item))
      throw new Error(
        `study.yaml, field open_answers.items[${i}].item: no codebook has an item ${JSON.stringify(it.item)}`,
      );
    if (it.organization && !orgs.has(it.organization))
      throw new Error(
        `study.yaml, field open_answers.items[${i}].organization: unknown organization ${JSON.stringify(it.organization)}`,
      );
  });
  const file = (rel: string | undefined, field: string): string | undefined => {
    if (!rel) return undefined;
    const path = join(study.dir, rel);
    if (!existsSync(path)) throw new Error(`study.yaml, field open_answers.${field}: file ${rel} not found`);
    return path;
  };
  const codebookPath = file(def.codebook, "codebook")!;
  const dictionary = file(def.dictionary, "dictionary");
  const stopwords = file(def.stopwords, "stopwords");
  const files: OpenAnswerFiles = { codebookPath, dictionaryPath: dictionary, stopwordsPath: stopwords };
  let segmenter: Segmenter | undefined;
  return {
    items: def.items.map((it) => ({ item: it.item, organizationId: it.organization ?? "" })),
    codebookPath,
    codebook: readThemeCodebook(codebookPath),
    // made when first used (jieba takes a moment to load its dictionary)
    get segmenter() {
      segmenter ??= segmenterOf(files);
      return segmenter;
    },
    files,
  };
}

/** A segmenter with the study's dictionary and stop words, read from `files`. */
export function segmenterOf(files: OpenAnswerFiles): Segmenter {
  const list = (path: string | undefined) => (path ? readWordList(readFileSync(path, "utf8")) : []);
  return createSegmenter({ dictionary: list(files.dictionaryPath), stopwords: list(files.stopwordsPath) });
}
