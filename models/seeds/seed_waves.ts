import { seedModel } from "./writeRows.ts";

/** The study's waves in the order study.yaml lists them (wave_order 1 is the first). */
export const { dependsOn, build } = seedModel(
  {
    wave_id: "varchar",
    title_zh: "varchar",
    title_en: "varchar",
    codebook_version: "varchar",
    wave_order: "integer",
  },
  (study) =>
    study.waves.map((w, i) => ({
      wave_id: w.id,
      title_zh: w.title.zh,
      title_en: w.title.en,
      codebook_version: w.codebook,
      wave_order: i + 1,
    })),
);
