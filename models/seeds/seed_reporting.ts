import { seedModel } from "./writeRows.ts";

/**
 * How the study reports: the rules of study.yaml (confidence level, suppression thresholds,
 * the interval rule),
 * its title and its time zone (what notebooks and pages show times in).
 */
export const { dependsOn, build } = seedModel(
  {
    study_id: "varchar",
    confidence_level: "double",
    min_n: "integer",
    max_rse: "double",
    unreliable_rse: "double",
    village_min_n: "integer",
    intervals: "varchar",
    title_zh: "varchar",
    title_en: "varchar",
    timezone: "varchar",
  },
  (study) => [
    {
      study_id: study.id,
      ...study.reporting,
      title_zh: study.title.zh,
      title_en: study.title.en,
      timezone: study.timezone,
    },
  ],
);
