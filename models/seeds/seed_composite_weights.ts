import { seedModel } from "./writeRows.ts";

/** The published, versioned weights of the composite index. */
export const { dependsOn, build } = seedModel(
  { version: "varchar", index_id: "varchar", weight: "double" },
  (study) => {
    const c = study.composite;
    return c
      ? Object.entries(c.weights).map(([index_id, weight]) => ({ version: c.version, index_id, weight }))
      : [];
  },
);
