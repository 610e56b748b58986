import { type Answers, generateAnswers } from "./answers.ts";
import { ORGANIZATIONS } from "./constants.ts";
import { generateFrame, type Township, type Village } from "./frame.ts";
import { generatePeople, type People } from "./people.ts";
import { deriveSeed, Rng } from "./random.ts";

export interface Population {
  seed: number;
  /** Number of people (adults 16+). */
  size: number;
  townships: readonly Township[];
  villages: readonly Village[];
  /** Demographics, one typed array per variable, index = person (people sorted by village). */
  people: People;
  /** The answer each person would give, per wave and item name. */
  answers: Answers;
  /**
   * Each village's effect on awareness of its own organization (logit scale, [v * O + o]): what
   * the recorded activities in the frame (`activities_<organization>`) are a noisy sign of.
   */
  villageAwarenessEffect: Float64Array;
}

/**
 * Builds one synthetic district: 50 townships (15 subdistricts, 35 towns), about 600 villages
 * and communities, about half a million adults, their demographics and, for each of the three
 * waves, their answers about the three organizations. Deterministic in `seed`.
 *
 * @example
 * const pop = generatePopulation(20240501);
 * pop.size;                          // ≈ 500 000
 * pop.answers["2025"].aw_un_t[0];    // 1, 2 or 9
 */
export function generatePopulation(seed: number): Population {
  const { townships, villages } = generateFrame(new Rng(deriveSeed(seed, 1)));
  const people = generatePeople(villages, new Rng(deriveSeed(seed, 2)));
  const villageAwarenessEffect = new Float64Array(villages.length * ORGANIZATIONS.length);
  const answers = generateAnswers(
    townships,
    villages,
    people,
    new Rng(deriveSeed(seed, 3)),
    villageAwarenessEffect,
  );
  return { seed, size: people.size, townships, villages, people, answers, villageAwarenessEffect };
}
