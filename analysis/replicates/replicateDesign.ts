import type { Session } from "../../db/Database.ts";
import { col, columnsOf, queryColumns, relationSql } from "../sql.ts";
import type { ReplicateDesign, ReplicateType } from "../types.ts";
import { matrixRank } from "./matrixRank.ts";

export interface ReplicateSpec {
  source: string;
  /** replicate weight columns (full, "combined" weights), in order */
  repweights: string[];
  type: ReplicateType;
  scale?: number;
  rscales?: number[];
  mse?: boolean;
  /** the full-sample weight column (R's `weights`); without it every weight is 1 */
  weights?: string | null;
}

/**
 * A design from user-supplied replicate weight columns holding full ("combined") weights, as
 * R's `svrepdesign(repweights, weights, type, scale, rscales, combined.weights = TRUE, mse)`
 * with its defaults: JK1 scale (R−1)/R, bootstrap and subbootstrap 1/(R−1), JKn needs rscales,
 * "other" scale 1; rscales default 1. `degf` is R's: rank of the replicate weights − 1.
 *
 * @example
 * const rep = await replicateDesign(db, { source: "survey", repweights: cols, type: "JKn",
 *   rscales, weights: "final_weight" });
 */
export async function replicateDesign(db: Session, spec: ReplicateSpec): Promise<ReplicateDesign> {
  const R = spec.repweights.length;
  if (R < 2) throw new Error(`replicate designs need at least 2 replicate weight columns (${R} given)`);
  const source = relationSql(spec.source);
  const available = await columnsOf(db, source);
  for (const c of [...spec.repweights, ...(spec.weights ? [spec.weights] : [])]) {
    if (!available.includes(c)) throw new Error(`replicate design column "${c}" is not in ${spec.source}`);
  }
  if (spec.rscales && spec.rscales.length !== R) {
    throw new Error(`rscales has ${spec.rscales.length} values for ${R} replicate weight columns`);
  }
  if (spec.type === "JKn" && !spec.rscales)
    throw new Error("JKn replicate weights need rscales (R: svrepdesign)");
  const defaultScale: Record<ReplicateType, number> = {
    JK1: (R - 1) / R,
    JKn: 1,
    bootstrap: 1 / (R - 1),
    subbootstrap: 1 / (R - 1),
    other: 1,
  };
  const scale = spec.scale ?? defaultScale[spec.type];
  const missing = await queryColumns(
    db,
    `select count(*), ${[...spec.repweights, ...(spec.weights ? [spec.weights] : [])].map((c) => `count(*) filter (where ${col(c)} is null)`).join(", ")} from ${source}`,
  );
  const rows = missing.columns[0]![0] as number;
  [...spec.repweights, ...(spec.weights ? [spec.weights] : [])].forEach((c, i) => {
    const m = missing.columns[i + 1]![0] as number;
    if (m > 0) throw new Error(`replicate design column "${c}" has ${m} missing value(s)`);
  });
  // degf: rank of the n x R replicate weight matrix, from its Gram matrix's Cholesky-free rank
  const degf = await replicateRank(db, source, spec.repweights);
  const weight = spec.weights ? `${col(spec.weights)}::double` : "1.0::double";
  return {
    kind: "replicate",
    session: db,
    relation: `(select __bm_s.*, ${weight} as "__bm_w" from ${source} as __bm_s)`,
    params: {},
    type: spec.type,
    scale,
    rscales: spec.rscales ?? new Array<number>(R).fill(1),
    mse: spec.mse ?? false,
    replicates: R,
    degf: degf - 1,
    repweights: { kind: "columns", columns: spec.repweights },
    rows,
  };
}

/** Rank of the replicate weights: sample at most 20,000 rows (enough to span R ≤ a few hundred columns). */
async function replicateRank(db: Session, source: string, columns: string[]): Promise<number> {
  const q = await queryColumns(
    db,
    `select ${columns.map((c) => `${col(c)}::double`).join(", ")} from ${source} limit 20000`,
  );
  return matrixRank(q.columns.map((c) => Float64Array.from(c as number[])));
}
