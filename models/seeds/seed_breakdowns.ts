import { seedModel } from "./writeRows.ts";

/** Response columns used for one-way demographic breakdowns. */
export const { dependsOn, build } = seedModel({ variable: "varchar", position: "integer" }, (study) =>
  study.breakdowns.map((variable, i) => ({ variable, position: i + 1 })),
);
