import type { DuckDBValue } from "@duckdb/node-api";
import { solve } from "../linearize/calibrationCorrection.ts";
import { col, columnsOf, queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import { cellTable } from "./cellTable.ts";
import type { CalibratedDesign, Margin } from "./types.ts";
import { weightingDiagnostics } from "./weightingDiagnostics.ts";

/**
 * Linear (GREG) calibration: g = 1 + x'λ with λ solving X'WX λ = T − X'w, so the calibrated
 * weights w·g reproduce the population totals T exactly, as R's
 * `calibrate(design, formula, population)` with the default `calfun = "linear"` (no bounds).
 *
 * X holds the indicators of the first margin's cells (all of them: the intercept's column space),
 * the indicators of the other margins' cells but their first, and the numeric `totals` columns;
 * without margins an intercept with `populationSize`. This spans the same space as R's
 * model.matrix with treatment contrasts, so weights and SEs are R's.
 * The variance replaces each score by its residual from the regression on X with the design
 * weights, times g (R's `greg_calibration` in svyrecvar).
 *
 * With `bounds: [L, U]` (R's `calibrate(..., calfun = "linear", bounds = c(L, U))`) g is
 * truncated, g = min(U, max(L, 1 + x'λ)), and λ solves Σ w·x·g = T by Newton steps on the
 * rows inside the bounds (R's `grake`; the same fixed point), to a relative error of 1e-12; no
 * solution within the bounds is an error, as in R ("Calibration failed"). The variance is the
 * unbounded one's with the truncated g (R's `greg_calibration` stores g the same way).
 *
 * Loud failures: margins whose totals differ, an empty sample cell, a missing value in a
 * calibration variable, collinear X. Weights may become negative (reported in diagnostics).
 *
 * @example
 * const cal = await linearCalibration(design, { margins: [stype], totals: { api99: 3914069 } });
 */
export async function linearCalibration(
  design: TaylorDesign,
  target: {
    margins?: readonly Margin[];
    totals?: Record<string, number>;
    populationSize?: number;
    /** bounds [L, U] on g = calibrated/design weight (R's `bounds`); default unbounded */
    bounds?: readonly [number, number];
  },
): Promise<CalibratedDesign> {
  if (design.calibration)
    throw new Error("the design is already calibrated: calibrate the uncalibrated design once");
  const margins = target.margins ?? [];
  const columns: string[] = [];
  const names: string[] = [];
  const T: number[] = [];
  const params: Record<string, DuckDBValue> = { ...design.params };
  if (margins.length) {
    await cellTable(design, margins); // the same checks as post-stratification and raking
    let p = 0;
    margins.forEach((m, mi) => {
      m.cells.forEach((c, ci) => {
        if (mi > 0 && ci === 0) return;
        const cond = m.variables.map((v, vi) => {
          params[`lin_${p}`] = c.levels[vi]!;
          return `${col(v)}::varchar = $lin_${p++}`;
        });
        columns.push(`(${cond.join(" and ")})::double`);
        names.push(`${m.variables.join(":")}=${c.levels.join(":")}`);
        T.push(c.count);
      });
    });
  } else {
    if (target.populationSize === undefined)
      throw new Error("give margins or a populationSize (the intercept's total)");
    columns.push("1.0::double");
    names.push("(Intercept)");
    T.push(target.populationSize);
  }
  const available = await columnsOf(design.session, design.relation, design.params);
  for (const [v, total] of Object.entries(target.totals ?? {})) {
    if (!available.includes(v)) throw new Error(`calibration variable "${v}" is not in the data`);
    if (!Number.isFinite(total)) throw new Error(`calibration total of "${v}" is not a number (${total})`);
    columns.push(`${col(v)}::double`);
    names.push(v);
    T.push(total);
  }
  const k = columns.length;
  const aggs: string[] = [];
  for (let a = 0; a < k; a++) {
    aggs.push(`sum("__bm_w" * x${a})`, `count(*) filter (where x${a} is null)`);
    for (let b = a; b < k; b++) aggs.push(`sum("__bm_w" * x${a} * x${b})`);
  }
  const q = await queryColumns(
    design.session,
    `select ${aggs.join(", ")} from (select "__bm_w", ${columns.map((c, a) => `${c} as x${a}`).join(", ")} from ${design.relation})`,
    params,
  );
  const gram = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const sample: number[] = [];
  let j = 0;
  for (let a = 0; a < k; a++) {
    sample.push(q.columns[j++]![0] as number);
    const missing = q.columns[j++]![0] as number;
    if (missing > 0) throw new Error(`calibration variable ${names[a]} has ${missing} missing value(s)`);
    for (let b = a; b < k; b++) {
      const v = q.columns[j++]![0] as number;
      gram[a]![b] = v;
      gram[b]![a] = v;
    }
  }
  const lambda = solve(
    gram,
    T.map((t, a) => t - sample[a]!),
  );
  lambda.forEach((l, a) => {
    params[`lam_${a}`] = l;
  });
  const linear = `(1 + ${columns.map((_, a) => `$lam_${a} * "__bm_x${a}"`).join(" + ")})`;
  const bounds = target.bounds;
  if (bounds) {
    if (!(bounds[0] < 1 && bounds[1] > 1))
      throw new Error(`calibration bounds must straddle 1 (got ${bounds.join(", ")})`);
    params.lin_lo = bounds[0];
    params.lin_hi = bounds[1];
    const xs = `(select "__bm_w", ${columns.map((c, a) => `${c} as "__bm_x${a}"`).join(", ")} from ${design.relation})`;
    const scale = Math.max(...T.map(Math.abs));
    for (let iteration = 0; ; iteration++) {
      const gSql = `greatest($lin_lo, least($lin_hi, ${linear}))`;
      const inside = `(${linear} > $lin_lo and ${linear} < $lin_hi)::int`;
      const aggs2: string[] = [];
      for (let a = 0; a < k; a++) {
        aggs2.push(`sum("__bm_w" * "__bm_x${a}" * ${gSql})`);
        for (let b = a; b < k; b++) aggs2.push(`sum("__bm_w" * "__bm_x${a}" * "__bm_x${b}" * ${inside})`);
      }
      const r = await queryColumns(design.session, `select ${aggs2.join(", ")} from ${xs}`, params);
      const J = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      const F: number[] = [];
      let jj = 0;
      for (let a = 0; a < k; a++) {
        F.push(T[a]! - (r.columns[jj++]![0] as number));
        for (let b = a; b < k; b++) {
          const v = r.columns[jj++]![0] as number;
          J[a]![b] = v;
          J[b]![a] = v;
        }
      }
      if (Math.max(...F.map(Math.abs)) <= 1e-12 * scale) break;
      if (iteration >= 100)
        throw new Error(
          `linear calibration with bounds ${bounds.join(", ")} failed to converge (R: "Calibration failed")`,
        );
      let step: number[];
      try {
        step = solve(J, F);
      } catch {
        throw new Error(
          `linear calibration with bounds ${bounds.join(", ")} has no solution (R: "Calibration failed")`,
        );
      }
      step.forEach((d, a) => {
        lambda[a]! += d;
        params[`lam_${a}`] = lambda[a]!;
      });
    }
  }
  const g = bounds ? `greatest($lin_lo, least($lin_hi, ${linear}))` : linear;
  const inner = `(select *, ${columns.map((c, a) => `${c} as "__bm_x${a}"`).join(", ")} from ${design.relation})`;
  const relation = `(select __bm_p.* replace (__bm_p."__bm_w" * ${g} as "__bm_w"), __bm_p."__bm_w" as "__bm_wprev", __bm_p."__bm_w" * ${g} as "__bm_psw" from ${inner} as __bm_p)`;
  const next: TaylorDesign = {
    ...design,
    relation,
    params,
    calibrated: true,
    calibration: { method: "linear", columns, names, lambda, gram },
    steps: [...design.steps, "linear"],
  };
  return {
    ...next,
    diagnostics: {
      method: "linear",
      iterations: 1,
      worstError: 0,
      weights: await weightingDiagnostics(next),
    },
  };
}
