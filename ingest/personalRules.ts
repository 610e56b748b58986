import type { Study } from "../study/index.ts";

/** What the ingest does with a personal column: leave it out, or keep only its keyed hash. */
export type PersonalAction = "drop" | "hmac";

/**
 * The study's personal-data rules (`personal_data` in study.yaml), item -> action: applied
 * before anything is written anywhere (raw table, quarantine, rejected-rows download,
 * messages), see buildValidation, planUpload and landRows.
 */
export function personalRules(study: Study): Map<string, PersonalAction> {
  return new Map(study.personal_data.map((p) => [p.column, p.action]));
}
