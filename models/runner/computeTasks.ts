import { threadId } from "node:worker_threads";
import { rankIntervals } from "../../analysis/rankIntervals.ts";
import { smallAreaFigures } from "../../analysis/sae/smallAreaFigures.ts";
import { tierProbabilities } from "../../analysis/tierProbabilities.ts";
import {
  codeAnswer,
  maskPersonalText,
  type OpenAnswerFiles,
  openAnswerTools,
  type Segmenter,
  type ThemeCodebook,
} from "../../themes/index.ts";

/** Each thread reads a study's codebook and word lists once (jieba loads its dictionary). */
const tools = new Map<string, { codebook: ThemeCodebook; segmenter: Segmenter }>();
function toolsOf(files: OpenAnswerFiles): { codebook: ThemeCodebook; segmenter: Segmenter } {
  const key = JSON.stringify(files);
  let made = tools.get(key);
  if (!made) {
    made = openAnswerTools(files);
    tools.set(key, made);
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
  codeAnswers(files: OpenAnswerFiles, answers: (string | null)[]) {
    const { codebook, segmenter } = toolsOf(files);
    return answers.map((a) => {
      const coded = codeAnswer(a, codebook.themes, segmenter);
      return {
        isBlank: coded.isBlank,
        themes: coded.matches.map((m) => m.theme),
        explanations: coded.matches.map((m) => m.explanation),
        version: codebook.version,
      };
    });
  },
};

export type ComputeTasks = typeof computeTasks;
