import { expressionToSql } from "../../ingest/expressionToSql.ts";
import { parseExpression, type ScoreDefinition, type Study } from "../../study/index.ts";
import { seedModel } from "./writeRows.ts";

/**
 * The literals of a population condition, in the order expressionToSql binds them (the scores
 * view reads them back from here, so no value from study.yaml is written into its SQL).
 */
export function populationValues(population: string): string[] {
  if (!population) return [];
  const values: string[] = [];
  expressionToSql(parseExpression(population), {
    self: "null",
    item: () => "null",
    bind: (v) => {
      values.push(String(v));
      return "null";
    },
  });
  return values;
}

function rows(study: Study): Record<string, unknown>[] {
  return study.waves.flatMap((wave) =>
    study.scores.flatMap((s: ScoreDefinition) =>
      s.items.map((item) => ({
        wave_id: wave.id,
        index_id: s.index_id,
        organization_id: s.organization_id,
        level: s.level,
        aspect: s.aspect,
        item_key: item,
        item: study.itemIn(wave.codebook, item),
        item_score: s.item_score,
        estimator: s.estimator,
        yes_codes: s.codes,
        dont_know_codes: s.dont_know,
        refused_codes: s.refused,
        na_codes: s.not_applicable,
        dont_know_as: s.dont_know_as,
        scale_min: s.scale.min,
        scale_max: s.scale.max,
        rescale: s.rescale,
        satisfied_codes: s.top_codes,
        option_code: s.option,
        population: s.population,
        population_values: populationValues(s.population),
      })),
    ),
  );
}

/**
 * Every item of every figure (the presets of study.yaml's indices and its declared
 * indicators), per wave, under the name the wave's codebook gives it (renames between
 * codebook versions), with its scoring rules.
 */
export const { dependsOn, build } = seedModel(
  {
    wave_id: "varchar",
    index_id: "varchar",
    organization_id: "varchar",
    level: "varchar",
    aspect: "varchar",
    item_key: "varchar",
    item: "varchar",
    item_score: "varchar",
    estimator: "varchar",
    yes_codes: "varchar[]",
    dont_know_codes: "varchar[]",
    refused_codes: "varchar[]",
    na_codes: "varchar[]",
    dont_know_as: "varchar",
    scale_min: "double",
    scale_max: "double",
    rescale: "boolean",
    satisfied_codes: "double[]",
    option_code: "varchar",
    population: "varchar",
    population_values: "varchar[]",
  },
  rows,
);
