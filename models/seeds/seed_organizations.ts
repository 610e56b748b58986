import { message } from "../../messages/catalogue.ts";
import { seedModel } from "./writeRows.ts";

/**
 * The organizations evaluated, with their names and display order; when the study has
 * indicators about no organization, first a row with the id "" for them ("all respondents").
 */
export const { dependsOn, build } = seedModel(
  {
    study_id: "varchar",
    organization_id: "varchar",
    name_zh: "varchar",
    name_en: "varchar",
    sort_order: "integer",
  },
  (study) => [
    ...(study.scores.some((s) => s.organization_id === "")
      ? [
          {
            study_id: study.id,
            organization_id: "",
            name_zh: message("ui.all_respondents", "zh"),
            name_en: message("ui.all_respondents", "en"),
            sort_order: 0,
          },
        ]
      : []),
    ...study.organizations.map((o, i) => ({
      study_id: study.id,
      organization_id: o.id,
      name_zh: o.name.zh,
      name_en: o.name.en,
      sort_order: i + 1,
    })),
  ],
);
