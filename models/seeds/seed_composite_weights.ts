import { compositesOf } from "../../study/index.ts";
import { seedModel } from "./writeRows.ts";

/** The published, versioned weights of each composite (today's `composite` has the id "composite"). */
export const { dependsOn, build } = seedModel(
  { composite_id: "varchar", version: "varchar", index_id: "varchar", weight: "double", position: "integer" },
  (study) =>
    compositesOf(study).flatMap((c) =>
      Object.entries(c.weights).map(([index_id, weight], i) => ({
        composite_id: c.id,
        version: c.version,
        index_id,
        weight,
        position: i + 1,
      })),
    ),
);
