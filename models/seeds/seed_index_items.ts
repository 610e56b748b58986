import type { IndexDefinition, Study } from "../../study/index.ts";
import { seedModel } from "./writeRows.ts";

/** Defaults stated in study/schema.ts: "don't know" is "no" for rates, left out for scales. */
function dontKnowAs(ix: IndexDefinition): "no" | "excluded" {
  return ix.dont_know_as ?? (ix.index === "awareness" || ix.index === "participation" ? "no" : "excluded");
}

/** "% satisfied": 4–5 on 1–5, 8–10 on 0–10, otherwise the top quarter of the scale. */
function satisfiedCodes(ix: IndexDefinition): number[] {
  if (ix.satisfied) return ix.satisfied;
  const { min, max } = ix.scale;
  if (min === 1 && max === 5) return [4, 5];
  if (min === 0 && max === 10) return [8, 9, 10];
  const codes: number[] = [];
  for (let v = Math.ceil(min + 0.75 * (max - min)); v <= max; v++) codes.push(v);
  return codes;
}

function rows(study: Study): Record<string, unknown>[] {
  return study.waves.flatMap((wave) =>
    study.indices.flatMap((ix) =>
      ix.items.map((item) => ({
        wave_id: wave.id,
        index_id: ix.index,
        organization_id: ix.organization,
        level: ix.level,
        item_key: item,
        item: study.itemIn(wave.codebook, item),
        yes_codes: ix.yes,
        dont_know_codes: ix.dont_know,
        refused_codes: ix.refused,
        dont_know_as: dontKnowAs(ix),
        scale_min: ix.scale.min,
        scale_max: ix.scale.max,
        satisfied_codes: satisfiedCodes(ix),
      })),
    ),
  );
}

/**
 * Every item of every index definition, per wave, under the name the wave's codebook gives
 * it (renames between codebook versions), with its scoring rules.
 */
export const { dependsOn, build } = seedModel(
  {
    wave_id: "varchar",
    index_id: "varchar",
    organization_id: "varchar",
    level: "varchar",
    item_key: "varchar",
    item: "varchar",
    yes_codes: "varchar[]",
    dont_know_codes: "varchar[]",
    refused_codes: "varchar[]",
    dont_know_as: "varchar",
    scale_min: "double",
    scale_max: "double",
    satisfied_codes: "double[]",
  },
  rows,
);
