/**
 * Open answers (意见建议) written from known themes, so the truth is known: each respondent leaves
 * the question blank or raises one to three themes, each in a sentence from a phrase bank with
 * synonyms, fillers, misspellings, varied punctuation, and now and then a phone number or a name
 * (which the pipeline must mask). Themes depend on who answers, the organization and the wave.
 *
 * Drawn from their own random stream (deriveSeed(seed, 13, wave, person)), so adding them changed no
 * other value the generator writes.
 */

import { ORGANIZATIONS, openAnswerItem, WAVES } from "./constants.ts";
import { personName, phoneNumber } from "./names.ts";
import { PHRASE_BANK, type PhraseBank, THEME_IDS, type ThemeId } from "./openAnswerBank.ts";
import type { Population } from "./population.ts";
import { deriveSeed, Rng } from "./random.ts";
import type { Sample } from "./sampler.ts";

export interface OpenAnswer {
  /** null for a blank answer. */
  text: string | null;
  themes: ThemeId[];
}

/** What the theme probabilities depend on. */
export interface Respondent {
  sex: number;
  ageGroup: number;
  urbanRural: number;
  occupation: number;
  /** 0, 1, 2 for the waves in order. */
  waveIndex: number;
}

/** How answers name each organization. */
export const ORG_NAMES_IN_ANSWERS: Record<string, readonly string[]> = {
  union: ["工会", "总工会", "工会组织"],
  youth_league: ["团委", "共青团", "团组织"],
  womens_federation: ["妇联", "妇女联合会", "妇联组织"],
};

/** Relative weight of each theme in answers about each organization. */
const BASE: Record<string, Record<ThemeId, number>> = {
  union: {
    childcare: 1,
    skills_training: 2.5,
    rights: 3,
    activities: 1.5,
    elderly: 0.5,
    publicity: 1.2,
    grassroots: 1.2,
    venues: 1.5,
    hardship: 1.5,
    no_opinion: 2,
  },
  youth_league: {
    childcare: 1,
    skills_training: 2.5,
    rights: 0.5,
    activities: 3,
    elderly: 0.8,
    publicity: 1.8,
    grassroots: 1.5,
    venues: 1.2,
    hardship: 0.5,
    no_opinion: 2,
  },
  womens_federation: {
    childcare: 3,
    skills_training: 1,
    rights: 1,
    activities: 1.5,
    elderly: 2,
    publicity: 1,
    grassroots: 1,
    venues: 1.2,
    hardship: 1.5,
    no_opinion: 2,
  },
};

function themeWeights(org: string, r: Respondent): number[] {
  const w = { ...BASE[org]! };
  if (r.sex === 2 && r.ageGroup === 2) w.childcare *= 2;
  if (r.ageGroup === 4) w.elderly *= 2.5;
  if (r.ageGroup === 1) {
    w.activities *= 1.5;
    w.skills_training *= 1.5;
  }
  if (r.occupation === 2) w.rights *= 2;
  if (r.urbanRural === 2) {
    w.venues *= 1.5;
    w.hardship *= 1.5;
  }
  // the wave drift the estimates should find: childcare rises, publicity falls
  w.childcare *= 1 + 0.3 * r.waveIndex;
  w.publicity *= 1 - 0.25 * r.waveIndex;
  return THEME_IDS.map((t) => w[t]);
}

const ENDINGS = ["", "。", "！", "!", "。。", "…", "~", "，谢谢", "。谢谢！", "，就这些"];
const JOINERS = ["；", "，", "。另外", "，还有", "。", " ", "；另外，", "，同时"];
const LEADS = ["", "", "", "我觉得", "个人认为", "1、", "说实话，"];

function fill(rng: Rng, template: string, slots: Record<string, readonly string[]>): string {
  return template.replace(/\{([a-z]+)\}/g, (_m, slot: string) => {
    const options = slots[slot];
    if (!options) throw new Error(`phrase bank: no slot {${slot}}`);
    return rng.pick(options);
  });
}

/**
 * One respondent's open answer about one organization (`orgNames`: how answers name it, e.g.
 * 工会, 总工会). About a third are blank.
 */
export function writeOpenAnswer(
  rng: Rng,
  org: string,
  orgNames: readonly string[],
  respondent: Respondent,
  bank: PhraseBank = PHRASE_BANK,
): OpenAnswer {
  const blankRate = 0.3 + (respondent.ageGroup === 4 ? 0.15 : 0);
  if (rng.bernoulli(blankRate)) {
    // a few blanks are a dash or a slash typed into the cell
    return { text: rng.bernoulli(0.1) ? rng.pick(["/", "-", "。", " "]) : null, themes: [] };
  }
  const u = rng.uniform();
  const count = u < 0.7 ? 1 : u < 0.95 ? 2 : 3;
  const weights = themeWeights(org, respondent);
  const themes: ThemeId[] = [];
  for (let attempt = 0; themes.length < count && attempt < 20; attempt++) {
    const theme = THEME_IDS[rng.categorical(weights)]!;
    // "no opinion" stands alone
    if (themes.includes(theme) || (theme === "no_opinion" && themes.length > 0)) continue;
    themes.push(theme);
    if (theme === "no_opinion") break;
  }
  const slots = { ...bank.slots, org: ["", "", ...orgNames, "你们"] };
  const sentences = themes.map((t) => fill(rng, rng.pick(bank.phrases[t]), slots));
  let text = rng.pick(LEADS) + sentences[0]!;
  for (const s of sentences.slice(1)) text += rng.pick(JOINERS) + s;
  text += rng.pick(ENDINGS);
  if (rng.bernoulli(0.12)) {
    const words = Object.keys(bank.typos).filter((w) => text.includes(w));
    if (words.length > 0) {
      const word = rng.pick(words);
      text = text.replace(word, bank.typos[word]!);
    }
  }
  if (rng.bernoulli(0.05)) text = addPersonalDetail(rng, text);
  return { text, themes };
}

/** What the masking rules must catch: a phone number, a name with a title, a full name. */
function addPersonalDetail(rng: Rng, text: string): string {
  const name = personName(rng, rng.int(1, 2));
  switch (rng.int(0, 3)) {
    case 0:
      return `${text}有事联系我${phoneNumber(rng)}`;
    case 1:
      return `${name.charAt(0)}师傅说过，${text}`;
    case 2:
      return `我叫${name}，${text}`;
    default:
      return `${text}（联系人：${name}，电话${phoneNumber(rng)}）`;
  }
}

/**
 * Every respondent's open answers in a sample, per open-answer item (`op_un`, …), in file order,
 * from the random stream deriveSeed(seed, 13, wave, person): the other values of the sample are
 * untouched. `seed` defaults to the population's; the benchmark passes another, with another bank.
 */
export function sampleOpenAnswers(
  population: Population,
  sample: Sample,
  options: { seed?: number; bank?: PhraseBank } = {},
): Record<string, OpenAnswer[]> {
  const { people } = population;
  const waveIndex = WAVES.indexOf(sample.wave);
  const out: Record<string, OpenAnswer[]> = {};
  for (const org of ORGANIZATIONS) out[openAnswerItem(org.prefix)] = [];
  for (let r = 0; r < sample.person.length; r++) {
    const i = sample.person[r]!;
    const rng = new Rng(deriveSeed(options.seed ?? population.seed, 13, waveIndex, i));
    const respondent: Respondent = {
      sex: people.sex[i]!,
      ageGroup: people.ageGroup[i]!,
      urbanRural: people.urbanRural[i]!,
      occupation: people.occupation[i]!,
      waveIndex,
    };
    for (const org of ORGANIZATIONS)
      out[openAnswerItem(org.prefix)]!.push(
        writeOpenAnswer(rng, org.id, ORG_NAMES_IN_ANSWERS[org.id]!, respondent, options.bank),
      );
  }
  return out;
}
