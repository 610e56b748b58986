import { BLANK, ORG_ITEM_NAMES } from "./constants.ts";
import { personName, phoneNumber } from "./names.ts";
import { sampleOpenAnswers } from "./openAnswers.ts";
import type { Population } from "./population.ts";
import { deriveSeed, Rng } from "./random.ts";
import type { Sample } from "./sampler.ts";

/** A response value: a code, a text, or null for a blank. */
export type Cell = string | number | null;

/**
 * The respondents of a sample as records keyed by codebook item name (the columns of
 * `responses/wave-*.csv`): codes as numbers, null for missing. A person's fake name and phone
 * number come from their index, so the same person has the same ones in every wave.
 */
export function sampleRecords(population: Population, sample: Sample): Record<string, Cell>[] {
  const { people, townships, villages } = population;
  const records: Record<string, Cell>[] = [];
  const open = sampleOpenAnswers(population, sample);
  for (let r = 0; r < sample.person.length; r++) {
    const i = sample.person[r]!;
    const personal = new Rng(deriveSeed(population.seed, 7, i));
    const record: Record<string, Cell> = {
      resp_id: sample.respId[r]!,
      interview_date: sample.interviewDate[r]!,
      township_code: townships[people.township[i]!]!.code,
      village_code: villages[people.village[i]!]!.code,
      urban_rural: people.urbanRural[i]!,
      sex: people.sex[i]!,
      age: people.age[i]!,
      age_group: people.ageGroup[i]!,
      education: people.education[i]!,
      occupation: people.occupation[i]!,
      union_member: people.unionMember[i]!,
      league_member: people.leagueMember[i] === 0 ? null : people.leagueMember[i]!,
      name: personName(personal, people.sex[i]!),
      phone: phoneNumber(personal),
    };
    for (const item of ORG_ITEM_NAMES) {
      const code = sample.items[item]![r]!;
      record[item] = code === BLANK ? null : code;
    }
    for (const [item, answers] of Object.entries(open)) record[item] = answers[r]!.text;
    records.push(record);
  }
  return records;
}
