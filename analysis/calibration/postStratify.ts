import type { TaylorDesign } from "../types.ts";
import { cellRelation, cellTable } from "./cellTable.ts";
import type { CalibratedDesign, Margin } from "./types.ts";
import { weightingDiagnostics } from "./weightingDiagnostics.ts";

/**
 * Post-stratification: weights in each cell of one variable (or a cross of variables) scaled
 * to the cell's population count, w·N_g/Σ_g w, as R's `postStratify(design, ~strata, population)`.
 * The variance is R's: scores residualized from their cell means weighted by the
 * pre-calibration weights.
 *
 * Loud failures: an empty sample cell with a positive count (R: "Some strata absent from
 * sample"; `partial = TRUE` is not offered), a sample cell missing from the margin or with a
 * count of 0, a missing value in a post-stratification variable.
 *
 * @example
 * const ps = await postStratify(design, { variables: ["sex", "age_group"], cells });
 */
export async function postStratify(design: TaylorDesign, margin: Margin): Promise<CalibratedDesign> {
  const table = await cellTable(design, [margin]);
  const m = table.margins[0]!;
  const current = new Float64Array(m.targets.length);
  table.cells.forEach((_, c) => {
    current[m.levelOfCell[c]!]! += table.weight[c]!;
  });
  const factor = Float64Array.from(
    table.cells.map((_, c) => m.targets[m.levelOfCell[c]!]! / current[m.levelOfCell[c]!]!),
  );
  const { relation, params } = cellRelation(design, table, factor);
  const next: TaylorDesign = {
    ...design,
    relation,
    params,
    calibrated: true,
    calibration: {
      method: "poststratify",
      variables: table.variables,
      cells: table.cells,
      margins: [{ variables: m.variables, levelOfCell: m.levelOfCell, levels: m.levels }],
      factor,
      stepFactor: [factor],
      iterations: 1,
      worstError: 0,
    },
    steps: [...design.steps, "poststratify"],
  };
  return {
    ...next,
    diagnostics: {
      method: "poststratify",
      iterations: 1,
      worstError: 0,
      weights: await weightingDiagnostics(next),
    },
  };
}
