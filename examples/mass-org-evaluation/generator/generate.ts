/**
 * Writes the whole demo study's data from one seed: frame, census margins, one response file
 * per wave, the true index values and the codebook. Same seed, same bytes.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { recordedActivities } from "./activities.ts";
import { ORGANIZATIONS, RESPONSE_COLUMNS, WAVES, type WaveId } from "./constants.ts";
import { toCsv } from "./csv.ts";
import { sampleOpenAnswers } from "./openAnswers.ts";
import { generatePopulation, type Population } from "./population.ts";
import { deriveSeed } from "./random.ts";
import { sampleRecords } from "./records.ts";
import { drawSample, type Sample } from "./sampler.ts";
import { computeTruth, type TruthRow } from "./truth.ts";
import { writeCodebook } from "./write-codebook.ts";

export const DEFAULT_SEED = 20240501;

/** Files written by generateDemo, relative to its output folder. */
export const DEMO_FILES = [
  "frame/psus.csv",
  "margins/sex_age.csv",
  "margins/township.csv",
  "margins/urban_rural.csv",
  ...WAVES.map((w) => `responses/wave-${w}.csv`),
  "truth/truth.csv",
  "truth/open_answers.csv",
  "codebook/codebook.xlsx",
] as const;

export interface GenerateOptions {
  seed?: number;
  outDir: string;
}

export interface GenerateResult {
  population: Population;
  samples: Record<WaveId, Sample>;
  truth: TruthRow[];
  /** Absolute paths of the files written. */
  files: string[];
}

/** The seed of a wave's sample, derived from the study seed. */
export function waveSampleSeed(seed: number, wave: WaveId): number {
  return deriveSeed(seed, 100 + WAVES.indexOf(wave));
}

export async function generateDemo({
  seed = DEFAULT_SEED,
  outDir,
}: GenerateOptions): Promise<GenerateResult> {
  const population = generatePopulation(seed);
  const activities = recordedActivities(population);
  const files: string[] = [];
  const write = async (rel: string, text: string): Promise<void> => {
    const file = join(outDir, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, "utf8");
    files.push(file);
  };

  await write(
    "frame/psus.csv",
    toCsv(
      [
        "township_code",
        "township_name_zh",
        "township_name_en",
        "village_code",
        "village_name_zh",
        "village_name_en",
        "urban_rural",
        "population",
        ...ORGANIZATIONS.map((o) => `activities_${o.id}`),
      ],
      population.villages.map((v) => {
        const t = population.townships[v.townshipIndex]!;
        return [
          t.code,
          t.name.zh,
          t.name.en,
          v.code,
          v.name.zh,
          v.name.en,
          v.urbanRural,
          v.population,
          ...activities[v.index]!,
        ];
      }),
    ),
  );

  const { sex, ageGroup, urbanRural } = population.people;
  const sexAge = new Array<number>(8).fill(0);
  const byUrbanRural = [0, 0];
  for (let i = 0; i < population.size; i++) {
    sexAge[(sex[i]! - 1) * 4 + ageGroup[i]! - 1]! += 1;
    byUrbanRural[urbanRural[i]! - 1]! += 1;
  }
  await write(
    "margins/sex_age.csv",
    toCsv(
      ["sex", "age_group", "count"],
      sexAge.map((count, k) => [Math.floor(k / 4) + 1, (k % 4) + 1, count]),
    ),
  );
  await write(
    "margins/township.csv",
    toCsv(
      ["township_code", "count"],
      population.townships.map((t) => [t.code, t.population]),
    ),
  );
  await write(
    "margins/urban_rural.csv",
    toCsv(
      ["urban_rural", "count"],
      byUrbanRural.map((count, k) => [k + 1, count]),
    ),
  );

  const samples = {} as Record<WaveId, Sample>;
  for (const wave of WAVES) {
    const sample = drawSample(population, wave, waveSampleSeed(seed, wave));
    samples[wave] = sample;
    const rows = sampleRecords(population, sample).map((r) => RESPONSE_COLUMNS.map((c) => r[c] ?? null));
    await write(`responses/wave-${wave}.csv`, toCsv(RESPONSE_COLUMNS, rows));
  }

  // the themes each open answer was written from (blank answers have none)
  const themeRows: (string | null)[][] = [];
  for (const wave of WAVES) {
    const sample = samples[wave];
    for (const [item, answers] of Object.entries(sampleOpenAnswers(population, sample)))
      answers.forEach((a, r) => {
        themeRows.push([wave, sample.respId[r]!, item, a.themes.join(";") || null]);
      });
  }
  await write("truth/open_answers.csv", toCsv(["wave", "resp_id", "item", "themes"], themeRows));

  const truth = computeTruth(population);
  await write(
    "truth/truth.csv",
    toCsv(
      [
        "wave",
        "organization",
        "index",
        "level",
        "unit_code",
        "group_var",
        "group_value",
        "value_0_100",
        "n_population",
      ],
      truth.map((t) => [
        t.wave,
        t.organization,
        t.index,
        t.level,
        t.unitCode,
        t.groupVar,
        t.groupValue,
        t.value === null ? null : t.value.toFixed(10),
        t.nPopulation,
      ]),
    ),
  );

  const codebook = join(outDir, "codebook/codebook.xlsx");
  await writeCodebook(population, codebook);
  files.push(codebook);

  return { population, samples, truth, files };
}
