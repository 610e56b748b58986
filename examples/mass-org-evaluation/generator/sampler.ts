/**
 * The survey team's sample of one wave: a stratified two-stage design.
 *
 * 1. Strata are the townships. In township h, m_h villages are drawn with probability
 *    proportional to their population, without replacement, by systematic PPS on a random
 *    order; m_h is proportional to the township population (about 200 PSUs in all), at least 2,
 *    and capped so that no village's inclusion probability m_h N_hi / N_h exceeds 1.
 * 2. In each sampled village an equal number of people is drawn by simple random sampling,
 *    enough for about 10 to respond (about 2000 respondents a wave).
 *
 * Unit nonresponse depends on sex and age group only (non-respondents are absent from the
 * sample); each approval and satisfaction item is then left blank with probability 2%.
 * With full response the base weight N_h / (m_h n_hi) (study.yaml `pps_srs`) is exactly the
 * inverse inclusion probability; with nonresponse it also adjusts within each PSU.
 */
import { ASPECTS, BLANK, ORG_ITEM_NAMES, ORGANIZATIONS, orgItems, type WaveId } from "./constants.ts";
import type { Population } from "./population.ts";
import { Rng } from "./random.ts";

export const SAMPLE_DESIGN = {
  targetPsus: 400,
  minPsusPerTownship: 4,
  respondentsPerPsu: 7,
  itemBlankRate: 0.02,
} as const;

/** Response propensity by sex (rows: 1 male, 2 female) and age group (columns 1–4). */
export type ResponseRates = readonly (readonly number[])[];

export const RESPONSE_RATES: ResponseRates = [
  [0.45, 0.55, 0.68, 0.75],
  [0.55, 0.65, 0.78, 0.85],
];

export interface SampleOptions {
  /** People issued per sampled village; default: enough for about 10 respondents. */
  issuedPerPsu?: number;
  /** Response propensity by sex and age group; default RESPONSE_RATES. All 1 for full response. */
  responseRates?: ResponseRates;
  /** Probability that an approval or satisfaction answer is left blank; default 0.02. */
  itemBlankRate?: number;
}

export interface SampledPsu {
  village: number;
  township: number;
  /** Inclusion probability of the village, m_h N_hi / N_h. */
  probability: number;
  issued: number;
  responded: number;
}

export interface Sample {
  wave: WaveId;
  seed: number;
  /** m_h, per township index. */
  psusPerTownship: readonly number[];
  /** Sampled villages in code order, including any where nobody responded. */
  psus: readonly SampledPsu[];
  /** People issued in each sampled village. */
  issuedPerPsu: number;
  /** Respondents, in file order: index of the person in the population. */
  person: Int32Array;
  /** "2024-00001", … */
  respId: readonly string[];
  /** YYYY-MM-DD, in May of the wave's year. */
  interviewDate: readonly string[];
  /** Answer codes per organization item, per respondent; 0 = blank (item nonresponse). */
  items: Record<string, Uint8Array>;
}

/**
 * m_h per township: proportional to population, at least `minPsusPerTownship` where the
 * villages allow it (never fewer than 2), no inclusion probability above 1.
 */
export function allocatePsus(population: Population): number[] {
  const total = population.size;
  return population.townships.map((t) => {
    const maxSize = Math.max(...t.villages.map((v) => population.villages[v]!.population));
    const cap = Math.min(t.villages.length, Math.floor(t.population / maxSize));
    if (cap < 2)
      throw new Error(`township ${t.code}: its largest village is too large to draw 2 PSUs by PPS`);
    const proportional = Math.round((SAMPLE_DESIGN.targetPsus * t.population) / total);
    return Math.min(cap, Math.max(SAMPLE_DESIGN.minPsusPerTownship, proportional));
  });
}

const issuedCache = new WeakMap<Population, number>();

/**
 * People to issue per village so that about `respondentsPerPsu` respond: the target divided by
 * the population's mean response propensity.
 */
export function issuedPerPsu(population: Population, rates: ResponseRates = RESPONSE_RATES): number {
  const useCache = rates === RESPONSE_RATES;
  const cached = useCache ? issuedCache.get(population) : undefined;
  if (cached !== undefined) return cached;
  const { sex, ageGroup } = population.people;
  let expected = 0;
  for (let i = 0; i < population.size; i++) expected += rates[sex[i]! - 1]![ageGroup[i]! - 1]!;
  const issued = Math.round(SAMPLE_DESIGN.respondentsPerPsu / (expected / population.size));
  if (useCache) issuedCache.set(population, issued);
  return issued;
}

/**
 * Draws the sample of one wave from the population's answers in that wave. Deterministic in
 * (population, wave, seed). Fast enough to call thousands of times in a simulation.
 *
 * @example
 * const s = drawSample(generatePopulation(1), "2025", 42);
 * s.person.length;   // ≈ 2000 respondents
 * s.items.sa_un[0];  // 1–5, 9, or 0 when left blank
 */
export function drawSample(
  population: Population,
  wave: WaveId,
  seed: number,
  options: SampleOptions = {},
): Sample {
  const rates = options.responseRates ?? RESPONSE_RATES;
  const issued = options.issuedPerPsu ?? issuedPerPsu(population, rates);
  const blankRate = options.itemBlankRate ?? SAMPLE_DESIGN.itemBlankRate;
  const rng = new Rng(seed);
  const m = allocatePsus(population);
  const psus: SampledPsu[] = [];
  for (const t of population.townships) {
    const order = rng.shuffle([...t.villages]);
    const interval = t.population / m[t.index]!;
    let point = rng.uniform() * interval;
    let cumulative = 0;
    const before = psus.length;
    for (const v of order) {
      const size = population.villages[v]!.population;
      cumulative += size;
      if (point < cumulative) {
        psus.push({ village: v, township: t.index, probability: size / interval, issued, responded: 0 });
        point += interval;
      }
    }
    if (psus.length - before !== m[t.index])
      throw new Error(
        `township ${t.code}: systematic PPS drew ${psus.length - before} PSUs, not ${m[t.index]}`,
      );
  }
  psus.sort((a, b) => a.village - b.village);

  const { sex, ageGroup } = population.people;
  const respondents: number[] = [];
  const dates: string[] = [];
  for (const psu of psus) {
    const village = population.villages[psu.village]!;
    const firstDay = rng.int(1, 29); // the team spends up to three days in a village
    for (const offset of rng.sampleWithoutReplacement(village.population, issued)) {
      const i = village.firstPerson + offset;
      const day = firstDay + rng.int(0, 2);
      if (!rng.bernoulli(rates[sex[i]! - 1]![ageGroup[i]! - 1]!)) continue;
      respondents.push(i);
      dates.push(`${wave}-05-${String(day).padStart(2, "0")}`);
      psu.responded += 1;
    }
  }

  const person = Int32Array.from(respondents);
  const answers = population.answers[wave];
  const items: Record<string, Uint8Array> = {};
  for (const name of ORG_ITEM_NAMES) items[name] = Uint8Array.from(person, (i) => answers[name]![i]!);
  const blankable = ORGANIZATIONS.flatMap((org) => {
    const it = orgItems(org.prefix);
    return [...ASPECTS.map((a) => it.approval[a]), it.satisfaction];
  });
  for (let r = 0; r < person.length; r++) {
    for (const name of blankable) if (rng.bernoulli(blankRate)) items[name]![r] = BLANK;
  }

  return {
    wave,
    seed,
    psusPerTownship: m,
    psus,
    issuedPerPsu: issued,
    person,
    respId: respondents.map((_, r) => `${wave}-${String(r + 1).padStart(5, "0")}`),
    interviewDate: dates,
    items,
  };
}
