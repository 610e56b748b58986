import type { Session } from "../db/Database.ts";
import { buildStructure, type StructureRow } from "./designStructure.ts";
import { col, columnsOf, queryColumns, relationSql } from "./sql.ts";
import type { DesignSpec, TaylorDesign } from "./types.ts";

/**
 * Declare a sampling design over a relation, as R's `svydesign(ids, strata, weights | probs,
 * fpc, nest)` does, and check it: missing design values, non-positive weights, PSUs not nested in
 * strata (unless `nest`), an fpc that mixes fractions and population sizes or varies within a
 * stratum, and a stratum with a single PSU (unless `lonelyPsu` says how to treat it) are errors
 * naming the column or stratum.
 *
 * Stages after the first enter the variance only when an fpc is given for every stage, as in R
 * (otherwise the ultimate-cluster, with-replacement approximation). Without weights or probs the
 * weights come from the fpc (product of N/n over stages) or are 1.
 *
 * With `pps: "brewer"` (R's `pps = "brewer"`), `fpc` holds the inclusion probabilities of the
 * units at each stage (first stage only for the ultimate-cluster variance), and the variance is
 * Brewer's approximation for sampling with probability proportional to size without
 * replacement: each PSU's squared deviation is weighted by its own 1 − π_i instead of a common
 * 1 − n_h/N_h (see `multistageVariance`). Unlike R, pps without an fpc is an error (R silently
 * treats the PSUs as drawn with replacement, the same as leaving pps out).
 *
 * Limits: one strata column; the design is a view over `source` (nothing is copied), so the
 * source must not change while the design is in use.
 *
 * @example
 * const design = await surveyDesign(db, { source: "responses", ids: ["village_id"],
 *   strata: "township_id", weights: "base_weight" });
 */
export async function surveyDesign(db: Session, spec: DesignSpec): Promise<TaylorDesign> {
  const ids = spec.ids.filter((x) => x !== "1" && x !== "0");
  const fpc = spec.fpc ?? [];
  if (spec.weights && spec.probs) throw new Error("give weights or probs, not both");
  const pps = spec.pps ?? null;
  if (pps !== null && pps !== "brewer") throw new Error(`pps "${pps}" is not supported; use "brewer"`);
  if (pps && fpc.length === 0) {
    throw new Error(
      'pps "brewer" needs the inclusion probabilities of the PSUs as fpc (without them the PSUs are treated as drawn with replacement: leave pps out)',
    );
  }
  if (fpc.length > 0 && fpc.length !== Math.max(ids.length, 1)) {
    throw new Error(
      `fpc needs one column per stage: ${fpc.length} given for ${Math.max(ids.length, 1)} stage(s) (R: svydesign)`,
    );
  }
  const source = relationSql(spec.source);
  const available = await columnsOf(db, source);
  const needed = [...ids, spec.strata, spec.weights, spec.probs, ...fpc].filter((c): c is string => !!c);
  for (const c of needed) {
    if (!available.includes(c)) throw new Error(`design column "${c}" is not in ${spec.source}`);
  }
  const clustered = ids.length > 0;
  const varianceStages = clustered ? (fpc.length ? ids.length : 1) : 1;
  const stratumExpr = spec.strata ? col(spec.strata) : "1";
  const unitExprs = ids.slice(0, varianceStages).map(col);

  // one scan for missing values and weights
  const checks: string[] = ["count(*)"];
  for (const c of needed) checks.push(`count(*) filter (where ${col(c)} is null)`);
  const wcol = spec.weights ?? spec.probs;
  if (wcol) checks.push(`count(*) filter (where ${col(wcol)} <= 0)`, `min(${col(wcol)})`);
  const check = await queryColumns(db, `select ${checks.join(", ")} from ${source}`);
  const rows = check.columns[0]![0] as number;
  if (rows === 0) throw new Error(`${spec.source} has no rows`);
  needed.forEach((c, i) => {
    const missing = check.columns[i + 1]![0] as number;
    if (missing > 0) throw new Error(`design column "${c}" has ${missing} missing value(s)`);
  });
  if (wcol) {
    const bad = check.columns[needed.length + 1]![0] as number;
    if (bad > 0) {
      throw new Error(
        `${spec.weights ? "weight" : "probability"} column "${wcol}" has ${bad} zero or negative value(s) (smallest ${check.columns[needed.length + 2]![0]})`,
      );
    }
  }

  // structure: one row per finest unit used by the variance, in the order of their keys, so
  // units are numbered the same whatever the order of the rows (seeded replicates depend on it)
  const fpcUsed = fpc.slice(0, varianceStages);
  const groupCols = [stratumExpr === "1" ? "1" : stratumExpr, ...unitExprs];
  const fpcAggs = fpcUsed.flatMap((f) => [`min(${col(f)})::double`, `max(${col(f)})::double`]);
  // unclustered pps: every row a PSU with its own f = 1 − π, summed per stratum here
  const rowF = pps && !clustered ? `(1 - ${col(fpcUsed[0]!)}::double)` : null;
  if (rowF) fpcAggs.push(`sum(${rowF})`, `max(${rowF})`);
  const sq = await queryColumns(
    db,
    `select ${groupCols.map((g, i) => `${g} as g${i}`).join(", ")}, count(*) ${fpcAggs.length ? `, ${fpcAggs.join(", ")}` : ""} from ${source} group by all order by all`,
  );
  const structureRows: StructureRow[] = [];
  const rowCounts: number[] = [];
  for (let r = 0; r < sq.rows; r++) {
    const at = (j: number) => sq.columns[j]![r];
    structureRows.push({
      stratum: at(0),
      ids: unitExprs.map((_, s) => at(1 + s)),
      fpcMin: fpcUsed.map((_, s) => at(groupCols.length + 1 + 2 * s) as number | null),
      fpcMax: fpcUsed.map((_, s) => at(groupCols.length + 2 + 2 * s) as number | null),
      ...(rowF ? { fSum: at(groupCols.length + 3) as number, fMax: at(groupCols.length + 4) as number } : {}),
    });
    rowCounts.push(at(groupCols.length) as number);
  }
  if (clustered && spec.strata && !spec.nest) {
    const seen = new Map<string, unknown>();
    for (const r of structureRows) {
      const k = JSON.stringify(r.ids[0]);
      if (seen.has(k) && seen.get(k) !== r.stratum) {
        throw new Error(
          `PSU ${k} of "${ids[0]}" is in strata ${seen.get(k)} and ${r.stratum}: clusters are not nested in strata; use nest: true if PSU ids repeat across strata`,
        );
      }
      seen.set(k, r.stratum);
    }
  }
  const lonelyPsu = spec.lonelyPsu ?? "fail";
  const structure = buildStructure(structureRows, {
    stages: varianceStages,
    clustered,
    fpcColumns: fpcUsed,
    lonelyPsu,
    rowCounts,
    pps: pps !== null,
  });
  if (clustered && ids.length === 1 && structure.stages[0]!.length === 1 && !spec.strata) {
    throw new Error("the design has only one primary sampling unit");
  }

  // the weight expression
  let weight: string;
  if (spec.weights) weight = `${col(spec.weights)}::double`;
  else if (spec.probs) weight = `1.0 / ${col(spec.probs)}::double`;
  else if (fpc.length) {
    const isPopsize = structureRows.some((r) => r.fpcMax.some((v) => v !== null && v > 1));
    const factors = fpc.map((f, s) => {
      if (!isPopsize) return `(1.0 / ${col(f)}::double)`;
      const partition = [stratumExpr, ...ids.slice(0, s).map(col)].join(", ");
      const n = clustered ? `count(distinct ${col(ids[s]!)})` : "count(*)";
      return `(${col(f)}::double / ${n} over (partition by ${partition}))`;
    });
    weight = factors.join(" * ");
  } else weight = "1.0::double";
  const relation = `(select __bm_s.*, ${weight} as "__bm_w" from ${source} as __bm_s)`;
  return {
    kind: "taylor",
    session: db,
    spec: {
      source: spec.source,
      ids,
      strata: spec.strata ?? null,
      weights: spec.weights ?? null,
      probs: spec.probs ?? null,
      fpc,
      nest: spec.nest ?? false,
      lonelyPsu,
      pps,
      adjustDomainLonely: spec.adjustDomainLonely ?? false,
    },
    relation,
    params: {},
    stratumExpr,
    unitExprs,
    varianceStages,
    structure,
    rows,
    calibration: null,
    calibrated: false,
    steps: ["design"],
  };
}
