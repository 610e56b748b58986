import type { TaylorDesign } from "../../analysis/index.ts";
import { quoteIdent } from "../../db/index.ts";
import { CALIBRATED_DESIGN } from "../intermediate/int_responses_calibrated.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["int_responses_calibrated", "int_scores_wide"];

/**
 * How the weighting went, per wave: the base and calibrated weights' spread (min, max, CV,
 * Kish's design effect of weighting 1 + CV², effective n), the raking's iterations and worst
 * margin error; and, per margin cell, the population target beside the sample's unweighted,
 * base-weighted and calibrated totals (written to calibration_margins__<study>).
 */
export async function build({ session, study, ref, self, shared }: ModelContext): Promise<void> {
  const design = shared.get(CALIBRATED_DESIGN) as TaylorDesign & {
    diagnostics?: { method: string; iterations: number; worstError: number };
  };
  const weights = quoteIdent(ref("int_responses_calibrated"));
  const stats = (column: string) => `
      min(${column}) as min_${column}, max(${column}) as max_${column}, avg(${column}) as mean_${column},
      stddev_pop(${column}) / avg(${column}) as cv_${column},
      count(*) * sum(${column} * ${column}) / (sum(${column}) * sum(${column})) as deff_${column},
      sum(${column}) * sum(${column}) / sum(${column} * ${column}) as n_eff_${column}`;
  await session.run(
    `create or replace table ${quoteIdent(self)} as
     select wave_id, count(*) as n_respondents, ${stats("base_weight")}, ${stats("weight")},
            $method as calibration_method, $iterations::integer as calibration_iterations, $worst::double as calibration_worst_error
     from ${weights}
     group by all
     order by wave_id`,
    {
      method: design.diagnostics?.method ?? "none",
      iterations: design.diagnostics?.iterations ?? 0,
      worst: design.diagnostics?.worstError ?? 0,
    },
  );

  const rows: Record<string, unknown>[] = [];
  for (const margin of study.calibration.margins) {
    const vars = margin.variables.map((v) => `s.${quoteIdent(v)}::varchar`);
    const sums = await session.query<{
      wave_id: string;
      levels: string[];
      n: number;
      base: number;
      calibrated: number;
    }>(
      `select s.wave_id, [${vars.join(", ")}] as levels, count(*)::integer as n, sum(w.base_weight) as base, sum(w.weight) as calibrated
       from ${quoteIdent(ref("int_scores_wide"))} s
       join ${weights} w using (wave_id, respondent_id)
       group by all`,
    );
    const waves = [...new Set(sums.map((s) => s.wave_id))];
    for (const wave of waves) {
      for (const cell of margin.cells) {
        const hit = sums.find(
          (s) => s.wave_id === wave && s.levels.join("\u0000") === cell.levels.join("\u0000"),
        );
        rows.push({
          wave_id: wave,
          margin: margin.variables.join(" x "),
          cell: cell.levels.join(" x "),
          population: cell.count,
          n_respondents: hit?.n ?? 0,
          base_weighted: hit?.base ?? 0,
          calibrated: hit?.calibrated ?? 0,
        });
      }
    }
  }
  await writeRows(
    session,
    ref("calibration_margins"),
    {
      wave_id: "varchar",
      margin: "varchar",
      cell: "varchar",
      population: "double",
      n_respondents: "integer",
      base_weighted: "double",
      calibrated: "double",
    },
    rows,
  );
}
