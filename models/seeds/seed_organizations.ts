import { seedModel } from "./writeRows.ts";

/** The organizations evaluated, with their names and display order. */
export const { dependsOn, build } = seedModel(
  {
    study_id: "varchar",
    organization_id: "varchar",
    name_zh: "varchar",
    name_en: "varchar",
    sort_order: "integer",
  },
  (study) =>
    study.organizations.map((o, i) => ({
      study_id: study.id,
      organization_id: o.id,
      name_zh: o.name.zh,
      name_en: o.name.en,
      sort_order: i + 1,
    })),
);
