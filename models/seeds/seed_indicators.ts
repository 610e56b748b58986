import { seedModel } from "./writeRows.ts";

/**
 * Every indicator id of the study (composites, the presets of its indices and their details,
 * its declared indicators) with its name in both languages, its kind, estimator and unit, the
 * indicator a detail belongs to, and the order leaders read them in. Pages, the API, releases
 * and notebooks name figures from here, never from a list of their own.
 */
export const { dependsOn, build } = seedModel(
  {
    index_id: "varchar",
    name_zh: "varchar",
    name_en: "varchar",
    kind: "varchar",
    estimator: "varchar",
    unit: "varchar",
    parent_id: "varchar",
    sort_order: "integer",
  },
  (study) =>
    study.indicatorInfos.map((info, i) => ({
      index_id: info.id,
      name_zh: info.name.zh,
      name_en: info.name.en,
      kind: info.kind,
      estimator: info.estimator,
      unit: info.unit,
      parent_id: info.parent_id,
      sort_order: i + 1,
    })),
);
