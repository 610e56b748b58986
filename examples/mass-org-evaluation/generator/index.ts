/** The demo study's generator: synthetic population, true values, sampler, files. */

export {
  type Choice,
  CODEBOOK_SETTINGS,
  FIXED_CHOICES,
  placeChoices,
  SURVEY_ITEMS,
  type SurveyItem,
} from "./codebook.ts";
export {
  ASPECTS,
  BLANK,
  DONT_KNOW,
  ORGANIZATIONS,
  orgItems,
  RESPONSE_COLUMNS,
  WAVES,
  type WaveId,
} from "./constants.ts";
export type { Township, Village } from "./frame.ts";
export {
  DEFAULT_SEED,
  DEMO_FILES,
  type GenerateOptions,
  type GenerateResult,
  generateDemo,
  waveSampleSeed,
} from "./generate.ts";
export type { People } from "./people.ts";
export { generatePopulation, type Population } from "./population.ts";
export { deriveSeed, Rng } from "./random.ts";
export { type Cell, sampleRecords } from "./records.ts";
export {
  allocatePsus,
  drawSample,
  issuedPerPsu,
  RESPONSE_RATES,
  type ResponseRates,
  SAMPLE_DESIGN,
  type Sample,
  type SampledPsu,
  type SampleOptions,
} from "./sampler.ts";
export { computeTruth, TRUTH_GROUPS, TRUTH_INDICES, type TruthRow } from "./truth.ts";
export { codebookXlsx, writeCodebook } from "./write-codebook.ts";
