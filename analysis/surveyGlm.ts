import { ptTwoSided, qt } from "./distributions/qt.ts";
import { estimate } from "./estimate.ts";
import type { Item } from "./linearize/estimateItems.ts";
import { queryColumns } from "./sql.ts";
import type { SurveyDesign } from "./types.ts";

/** A model term: its name and SQL over the design's relation (a quoted column, or a 0/1 condition). */
export interface GlmTerm {
  name: string;
  sql: string;
}

export interface GlmResult {
  family: "gaussian" | "quasibinomial";
  /** "(Intercept)" then the terms' names */
  terms: string[];
  coef: number[];
  se: number[];
  /** t statistics coef/se and their two-sided p-values on `dfResidual` */
  statistic: number[];
  pValue: number[];
  ciLow: number[];
  ciHigh: number[];
  /** R's df.residual: degf of the rows used + 1 − number of coefficients */
  dfResidual: number;
  covariance: number[][];
  /** rows used (every variable present) */
  n: number;
  iterations: number;
}

/**
 * Design-based generalized linear model, as R's `svyglm(y ~ x1 + x2, design, family)` for
 * `gaussian()` (linear regression) and `quasibinomial()` (logistic regression): coefficients by
 * (iteratively re)weighted least squares with the design weights, and the sandwich covariance
 * A⁻¹ V A⁻¹ (R's `svy.varcoef`), A = X'W̃X with the working weights, V the design covariance
 * of the score totals Σ w·x·(y − μ) computed by the engine's linearization (strata, PSUs,
 * fpc, calibration residuals: the same rules as every other estimate). Rows with a missing
 * response or term are left out, as R's default na.action (the design's degf then counts the
 * PSUs with rows used). CIs: Wald with t on `dfResidual`, as `confint(svyglm)`.
 *
 * `response` and each term's `sql` are SQL over the design's relation: the caller quotes
 * columns and checks any user-written expression (the CLI parses it as one expression).
 *
 * Limits: Taylor designs (R refits per replicate on replicate designs; not here); numeric and
 * 0/1 terms (make indicators for factors); IRLS stops at relative change 1e-12 (R's glm at
 * 1e-8, so logistic coefficients agree with R to about 1e-9).
 *
 * @example
 * const fit = await surveyGlm(design, `"api00"`, [{ name: "ell", sql: `"ell"` }], "gaussian");
 */
export async function surveyGlm(
  design: SurveyDesign,
  response: string,
  terms: GlmTerm[],
  family: "gaussian" | "quasibinomial",
  options: { level?: number } = {},
): Promise<GlmResult> {
  if (design.kind !== "taylor") throw new Error("surveyGlm needs a Taylor (linearization) design");
  const level = options.level ?? 0.95;
  const present = [response, ...terms.map((t) => t.sql)].map((s) => `(${s}) is not null`).join(" and ");
  const q = await queryColumns(
    design.session,
    `select (${response})::double, ${terms.map((t) => `(${t.sql})::double`).join(", ")}${terms.length ? ", " : ""}"__bm_w" from ${design.relation} where ${present}`,
    design.params,
  );
  const n = q.rows;
  const p = terms.length + 1;
  if (n <= p) throw new Error(`surveyGlm: ${n} rows with every variable present for ${p} coefficients`);
  const y = q.columns[0] as number[];
  const X: Float64Array[] = [
    new Float64Array(n).fill(1),
    ...terms.map((_, j) => Float64Array.from(q.columns[1 + j] as number[])),
  ];
  const w = q.columns[1 + terms.length] as number[];
  if (family === "quasibinomial" && y.some((v) => v < 0 || v > 1))
    throw new Error("a logistic (quasibinomial) response must lie between 0 and 1");
  const meanW = w.reduce((s, v) => s + v, 0) / n;
  let beta = new Array<number>(p).fill(0);
  const mu = new Float64Array(n);
  const work = new Float64Array(n);
  let iterations = 0;
  let A: number[][] = [];
  for (; iterations < 100; iterations++) {
    const rhs = new Array<number>(p).fill(0);
    A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let a = 0; a < p; a++) eta += beta[a]! * X[a]![i]!;
      let m: number;
      let ww: number;
      let z: number;
      if (family === "gaussian") {
        m = eta;
        ww = w[i]! / meanW;
        z = y[i]!;
      } else {
        m = 1 / (1 + Math.exp(-eta));
        const v = Math.max(m * (1 - m), 1e-300);
        ww = (w[i]! / meanW) * v;
        z = eta + (y[i]! - m) / v;
      }
      mu[i] = m;
      work[i] = ww;
      for (let a = 0; a < p; a++) {
        const xa = X[a]![i]!;
        rhs[a]! += ww * xa * z;
        for (let b = a; b < p; b++) A[a]![b]! += ww * xa * X[b]![i]!;
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) A[a]![b] = A[b]![a]!;
    const next = solveSymmetric(A, rhs);
    const change = Math.max(...next.map((v, a) => Math.abs(v - beta[a]!) / Math.max(1e-8, Math.abs(v))));
    beta = next;
    if (family === "gaussian" || change < 1e-12) break;
  }
  // A at the final coefficients (the loop's A used the previous ones)
  A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < n; i++) {
    let eta = 0;
    for (let a = 0; a < p; a++) eta += beta[a]! * X[a]![i]!;
    const m = family === "gaussian" ? eta : 1 / (1 + Math.exp(-eta));
    const ww = family === "gaussian" ? w[i]! : w[i]! * m * (1 - m);
    for (let a = 0; a < p; a++) for (let b = a; b < p; b++) A[a]![b]! += ww * X[a]![i]! * X[b]![i]!;
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) A[a]![b] = A[b]![a]!;
  const Ainv = invert(A);

  // design covariance of the score totals Σ w·x_a·(y − μ), μ from the bound coefficients
  const params: Record<string, number> = {};
  beta.forEach((b, a) => {
    params[`glm_b${a}`] = b;
  });
  const eta = ["$glm_b0", ...terms.map((t, j) => `$glm_b${j + 1} * (${t.sql})::double`)].join(" + ");
  const muSql = family === "gaussian" ? `(${eta})` : `(1 / (1 + exp(-(${eta}))))`;
  const resid = `case when ${present} then (${response})::double - ${muSql} end`;
  const items: Item[] = [
    { kind: "total", y: resid, label: "the model's score (intercept)" },
    ...terms.map(
      (t): Item => ({
        kind: "total",
        y: `(${t.sql})::double * ${resid}`,
        label: `the model's score (${t.name})`,
      }),
    ),
  ];
  const [d] = await estimate({ ...design, params: { ...design.params, ...params } }, items, { naRm: true });
  const V = d!.covariance;
  const cov = mult(mult(Ainv, V), Ainv);
  const dfResidual = d!.degf + 1 - p;
  const se = cov.map((r, a) => Math.sqrt(r[a]!));
  const statistic = beta.map((b, a) => b / se[a]!);
  const tq = dfResidual > 0 ? qt(1 - (1 - level) / 2, dfResidual) : Number.NaN;
  return {
    family,
    terms: ["(Intercept)", ...terms.map((t) => t.name)],
    coef: beta,
    se,
    statistic,
    pValue: statistic.map((t) => (dfResidual > 0 ? ptTwoSided(t, dfResidual) : Number.NaN)),
    ciLow: beta.map((b, a) => b - tq * se[a]!),
    ciHigh: beta.map((b, a) => b + tq * se[a]!),
    dfResidual,
    covariance: cov,
    n,
    iterations: iterations + 1,
  };
}

function mult(A: number[][], B: number[][]): number[][] {
  return A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
}

/** Solve A x = b, A symmetric positive definite (Gaussian elimination with partial pivoting). */
function solveSymmetric(A: number[][], b: number[]): number[] {
  return invert(A).map((row) => row.reduce((s, v, j) => s + v * b[j]!, 0));
}

/** Inverse of a small non-singular matrix (Gauss–Jordan with partial pivoting). */
export function invert(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-300) throw new Error("the model's terms are collinear (singular X'WX)");
    for (let j = 0; j < 2 * n; j++) M[c]![j]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return M.map((row) => row.slice(n));
}
