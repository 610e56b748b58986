import { seedModel } from "./writeRows.ts";

/** The reporting rules of study.yaml (confidence level, suppression thresholds). */
export const { dependsOn, build } = seedModel(
  {
    study_id: "varchar",
    confidence_level: "double",
    min_n: "integer",
    max_rse: "double",
    unreliable_rse: "double",
    village_min_n: "integer",
  },
  (study) => [{ study_id: study.id, ...study.reporting }],
);
