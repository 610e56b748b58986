import { statSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { rankIntervals } from "../../analysis/rankIntervals.ts";
import { smallAreaFigures } from "../../analysis/sae/smallAreaFigures.ts";
import { tierProbabilities } from "../../analysis/tierProbabilities.ts";
import {
  codeAnswer,
  maskPersonalText,
  type OpenAnswerFiles,
  type Segmenter,
  segmenterOf,
  type ThemeCodebook,
} from "../../themes/index.ts";

/**
 * Each thread makes a study's segmenter once (jieba loads its dictionary), and again when a
 * word list changed; the codebook comes with each task (the analyst edits it between runs).
 */
const segmenters = new Map<string, Segmenter>();
function segmenterFor(files: OpenAnswerFiles): Segmenter {
  const stamp = (path: string | undefined) => {
    if (!path) return "";
    const s = statSync(path, { throwIfNoEntry: false });
    return s ? `${path}:${s.size}:${s.mtimeMs}` : path;
  };
  const key = `${stamp(files.dictionaryPath)}|${stamp(files.stopwordsPath)}`;
  let made = segmenters.get(key);
  if (!made) {
    if (segmenters.size >= 16) segmenters.clear();
    made = segmenterOf(files);
    segmenters.set(key, made);
  }
  return made;
}

/**
 * The computations a model run hands to the compute thread (`offThread`): pure functions of
 * plain data (structured-cloneable in and out), each long enough (tens of milliseconds to
 * seconds) that running it on the server's event loop would hold every request meanwhile.
 */
export const computeTasks = {
  /** The thread a task runs on (0: the main thread), for checks and diagnostics. */
  threadId: () => threadId,
  smallAreaFigures,
  /** A ranked group's rank confidence sets and tier probabilities (rank_intervals). */
  rankAndTiers(
    estimates: number[],
    covariance: number[][],
    low: number[],
    high: number[],
    options: { level: number; draws: number; seed: number },
  ) {
    return {
      sets: rankIntervals(estimates, covariance, options),
      tiers: tierProbabilities(estimates, covariance, low, high, {
        draws: options.draws,
        seed: options.seed,
      }),
    };
  },
  /** Open answers masked (phones, ID numbers, emails, names): the text and how many were masked. */
  maskAnswers(answers: (string | null)[]) {
    return answers.map((a) => {
      if (a === null) return { text: null, masked: 0 };
      const m = maskPersonalText(a);
      return { text: m.text.trim() || null, masked: m.hits.length };
    });
  },
  /** Masked open answers coded by the study's codebook: blank or not, themes and why. */
  codeAnswers(files: OpenAnswerFiles, codebook: ThemeCodebook, answers: (string | null)[]) {
    const segmenter = segmenterFor(files);
    return answers.map((a) => {
      const coded = codeAnswer(a, codebook.themes, segmenter);
      return {
        isBlank: coded.isBlank,
        themes: coded.matches.map((m) => m.theme),
        explanations: coded.matches.map((m) => m.explanation),
      };
    });
  },
};

export type ComputeTasks = typeof computeTasks;
