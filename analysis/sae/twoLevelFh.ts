import { CholeskyDecomposition, Matrix } from "ml-matrix";

/** Villages within townships: one row per village (sampled or not). */
export interface TwoLevelData {
  /** Township index of each village, 0..T−1. */
  group: readonly number[];
  /** Direct estimate on the model scale; null for a village without respondents. */
  direct: readonly (number | null)[];
  vardir: readonly (number | null)[];
  x: readonly (readonly number[])[];
}

export interface TwoLevelParameters {
  /** Variance of the township effect. */
  sigma2v: number;
  /** Variance of the village effect. */
  sigma2u: number;
}

export interface TwoLevelFit extends TwoLevelParameters {
  beta: number[];
  betaVcov: number[][];
  iterations: number;
  converged: boolean;
  restrictedLoglike: number;
  sampled: boolean[];
  /** x'β̂ + v̂ + û (sampled), x'β̂ + v̂ (unsampled village in a sampled township), x'β̂ (otherwise). */
  estimate: number[];
  synthetic: number[];
  /** Predicted township effect per township (0 for a township without sampled villages). */
  townshipEffect: number[];
  /** Weight of the village's own direct estimate in its prediction; 0 for unsampled villages. */
  shrinkage: number[];
  /** Conditional variance of v + u given the data at the estimated parameters (the leading MSE term). */
  conditionalVariance: number[];
}

/**
 * A two-level area model (the nested-error Fay–Herriot model of Torabi and Rao 2014, Moura and
 * Holt 1999): direct estimate of village j in township i, yᵢⱼ = xᵢⱼ'β + vᵢ + uᵢⱼ + eᵢⱼ, with
 * township effects vᵢ ~ N(0, σ²ᵥ), village effects uᵢⱼ ~ N(0, σ²ᵤ) and known sampling variances
 * ψᵢⱼ. σ²ᵥ and σ²ᵤ by REML (Fisher scoring on both, kept ≥ 0), with every trace computed block by
 * block from the Woodbury form Vᵢ⁻¹ = W − cᵢ w w' (w = 1/(σ²ᵤ + ψ), cᵢ = σ²ᵥ / (1 + σ²ᵥ Σw)), so
 * the cost is O(m p²) per step. Predictions are the EBLUPs; a village without respondents borrows
 * its township's effect (synthetic plus township effect); a township without any gets x'β̂.
 *
 * @example twoLevelFh({ group, direct, vardir, x }).estimate
 */
export function twoLevelFh(
  data: TwoLevelData,
  start?: TwoLevelParameters,
  tol = 1e-10,
  maxit = 200,
): TwoLevelFit {
  const total = data.direct.length;
  const sampled = data.direct.map((y) => y !== null && y !== undefined);
  const p = data.x[0]?.length ?? 0;
  const towns = Math.max(-1, ...data.group) + 1;
  const blocks: number[][] = Array.from({ length: towns }, () => []);
  for (let i = 0; i < total; i++) {
    if (!sampled[i]) continue;
    const v = data.vardir[i];
    if (v === null || v === undefined || !(v > 0))
      throw new Error(`twoLevelFh: village ${i + 1}: sampling variance ${v} is not positive`);
    blocks[data.group[i]!]!.push(i);
  }
  const m = sampled.filter(Boolean).length;
  if (m <= p + 1) throw new Error(`twoLevelFh: ${m} sampled villages for ${p} covariates and two variances`);
  let theta: [number, number];
  if (start) theta = [start.sigma2v, start.sigma2u];
  else {
    let mean = 0;
    let meanD = 0;
    for (let i = 0; i < total; i++)
      if (sampled[i]) {
        mean += data.direct[i]!;
        meanD += data.vardir[i]!;
      }
    mean /= m;
    meanD /= m;
    let v = 0;
    for (let i = 0; i < total; i++) if (sampled[i]) v += (data.direct[i]! - mean) ** 2;
    const excess = Math.max(v / (m - 1) - meanD, 0.1 * meanD);
    theta = [excess / 2, excess / 2];
  }
  let state = evaluate(theta, data, blocks, p);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxit; iterations++) {
    const { score, info } = state;
    const det = info[0] * info[3] - info[1] * info[2];
    let next: [number, number] = [
      theta[0] + (info[3] * score[0] - info[1] * score[1]) / det,
      theta[1] + (-info[2] * score[0] + info[0] * score[1]) / det,
    ];
    if (next[0] < 0 || next[1] < 0 || !Number.isFinite(det) || det <= 0) {
      // On or across the boundary: step in the free parameter alone, the other held at 0 if it wants to go below.
      next = [theta[0], theta[1]];
      for (const k of [0, 1] as const) {
        const diag = k === 0 ? info[0] : info[3];
        next[k] = Math.max(0, theta[k] + score[k] / diag);
      }
    }
    const change = Math.max(Math.abs(next[0] - theta[0]), Math.abs(next[1] - theta[1]));
    theta = next;
    state = evaluate(theta, data, blocks, p);
    if (change <= tol * Math.max(theta[0] + theta[1], 1e-12)) {
      converged = true;
      iterations++;
      break;
    }
  }
  return predict(theta, state, data, blocks, sampled, iterations, converged);
}

interface State {
  score: [number, number];
  info: [number, number, number, number];
  q: Matrix;
  beta: number[];
  loglike: number;
}

function evaluate(theta: [number, number], data: TwoLevelData, blocks: number[][], p: number): State {
  const [sv, su] = theta;
  const xtxa = new Float64Array(p * p);
  const xty = new Array<number>(p).fill(0);
  let logDetV = 0;
  // First pass: X'V⁻¹X, X'V⁻¹y, log|V|
  for (const rows of blocks) {
    if (rows.length === 0) continue;
    let sumW = 0;
    const xw = new Array<number>(p).fill(0);
    let yw = 0;
    for (const i of rows) {
      const w = 1 / (su + data.vardir[i]!);
      sumW += w;
      logDetV += Math.log(su + data.vardir[i]!);
      const xi = data.x[i]!;
      const y = data.direct[i]!;
      yw += w * y;
      for (let k = 0; k < p; k++) {
        xw[k]! += w * xi[k]!;
        xty[k]! += w * xi[k]! * y;
        for (let l = k; l < p; l++) xtxa[k * p + l]! += w * xi[k]! * xi[l]!;
      }
    }
    logDetV += Math.log(1 + sv * sumW);
    const c = sv / (1 + sv * sumW);
    for (let k = 0; k < p; k++) {
      xty[k]! -= c * xw[k]! * yw;
      for (let l = k; l < p; l++) xtxa[k * p + l]! -= c * xw[k]! * xw[l]!;
    }
  }
  const xtx = new Matrix(p, p);
  for (let k = 0; k < p; k++)
    for (let l = k; l < p; l++) {
      xtx.set(k, l, xtxa[k * p + l]!);
      xtx.set(l, k, xtxa[k * p + l]!);
    }
  const chol = new CholeskyDecomposition(xtx);
  if (!chol.isPositiveDefinite()) throw new Error("twoLevelFh: X'V⁻¹X is singular (collinear covariates?)");
  const q = chol.solve(Matrix.eye(p));
  let logDetXtX = 0;
  for (let k = 0; k < p; k++) logDetXtX += 2 * Math.log(chol.lowerTriangularMatrix.get(k, k));
  const beta = q.mmul(Matrix.columnVector(xty)).getColumn(0);
  // Second pass: score and information pieces
  let trRi = 0;
  let trRiJ = 0;
  let zz = 0;
  let z1sq = 0;
  let trRi2 = 0;
  let trRiJRiJ = 0;
  let trRi2J = 0;
  const gg = new Float64Array(p * p); // G'G = X'V⁻²X
  const gjg = new Float64Array(p * p); // G'JG
  const ghI = new Float64Array(p * p); // G'V⁻¹G
  const gjRiJg = new Float64Array(p * p); // G'J V⁻¹ J G
  const gRiJg = new Float64Array(p * p); // G'V⁻¹JG
  let rr = 0;
  for (const rows of blocks) {
    const n = rows.length;
    if (n === 0) continue;
    const w = rows.map((i) => 1 / (su + data.vardir[i]!));
    let sumW = 0;
    let sumW2 = 0;
    let sumW3 = 0;
    for (const wi of w) {
      sumW += wi;
      sumW2 += wi * wi;
      sumW3 += wi * wi * wi;
    }
    const c = sv / (1 + sv * sumW);
    const s = 1 / (1 + sv * sumW);
    const r = rows.map((i) => data.direct[i]! - data.x[i]!.reduce((acc, v, k) => acc + v * beta[k]!, 0));
    const applyRi = (vec: number[]): number[] => {
      let wv = 0;
      for (let j = 0; j < n; j++) wv += w[j]! * vec[j]!;
      return vec.map((v, j) => w[j]! * v - c * w[j]! * wv);
    };
    const z = applyRi(r);
    for (let j = 0; j < n; j++) {
      zz += z[j]! ** 2;
      rr += r[j]! * z[j]!;
    }
    const z1 = z.reduce((a, b) => a + b, 0);
    z1sq += z1 * z1;
    trRi += sumW - c * sumW2;
    trRiJ += sumW * s;
    trRi2 += sumW2 - 2 * c * sumW3 + c * c * sumW2 * sumW2;
    trRiJRiJ += (sumW * s) ** 2;
    trRi2J += s * s * sumW2;
    // G = V⁻¹X (n × p), H = V⁻¹G
    const gCols: number[][] = [];
    const hCols: number[][] = [];
    for (let k = 0; k < p; k++) {
      const col = rows.map((i) => data.x[i]![k]!);
      const gk = applyRi(col);
      gCols.push(gk);
      hCols.push(applyRi(gk));
    }
    const g1 = gCols.map((col) => col.reduce((a, b) => a + b, 0));
    const h1 = hCols.map((col) => col.reduce((a, b) => a + b, 0));
    const oneRiOne = sumW * s;
    for (let k = 0; k < p; k++) {
      for (let l = 0; l < p; l++) {
        let gkgl = 0;
        let gkhl = 0;
        for (let j = 0; j < n; j++) {
          gkgl += gCols[k]![j]! * gCols[l]![j]!;
          gkhl += gCols[k]![j]! * hCols[l]![j]!;
        }
        const kl = k * p + l;
        gg[kl]! += gkgl;
        ghI[kl]! += gkhl;
        gjg[kl]! += g1[k]! * g1[l]!;
        gjRiJg[kl]! += g1[k]! * oneRiOne * g1[l]!;
        gRiJg[kl]! += h1[k]! * g1[l]!;
      }
    }
  }
  const qa = q.to1DArray();
  // tr(Q A) and tr(Q A Q B) for p × p row-major A, B
  const tr = (a: Float64Array): number => {
    let t = 0;
    for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) t += qa[k * p + l]! * a[l * p + k]!;
    return t;
  };
  const tr2 = (a: Float64Array, b: Float64Array): number => {
    const qaM = product(qa, a, p);
    const qbM = product(qa, b, p);
    return tr1(product(qaM, qbM, p), p);
  };
  const trPu = trRi - tr(gg);
  const trPv = trRiJ - tr(gjg);
  const score: [number, number] = [-0.5 * trPv + 0.5 * z1sq, -0.5 * trPu + 0.5 * zz];
  const iuu = 0.5 * (trRi2 - 2 * tr(ghI) + tr2(gg, gg));
  const ivv = 0.5 * (trRiJRiJ - 2 * tr(gjRiJg) + tr2(gjg, gjg));
  const iuv = 0.5 * (trRi2J - 2 * tr(gRiJg) + tr2(gg, gjg));
  const m = blocks.reduce((a, b) => a + b.length, 0);
  const loglike = -0.5 * ((m - p) * Math.log(2 * Math.PI) + logDetV + logDetXtX + rr);
  return { score, info: [ivv, iuv, iuv, iuu], q, beta, loglike };
}

function predict(
  theta: [number, number],
  state: State,
  data: TwoLevelData,
  blocks: number[][],
  sampled: boolean[],
  iterations: number,
  converged: boolean,
): TwoLevelFit {
  const [sv, su] = theta;
  const total = data.direct.length;
  const synthetic = data.x.map((row) => row.reduce((acc, v, k) => acc + v * state.beta[k]!, 0));
  const townshipEffect = new Array<number>(blocks.length).fill(0);
  const townshipVar = new Array<number>(blocks.length).fill(sv + su);
  const estimate = new Array<number>(total);
  const shrinkage = new Array<number>(total).fill(0);
  const conditionalVariance = new Array<number>(total);
  blocks.forEach((rows, t) => {
    if (rows.length === 0) return;
    const w = rows.map((i) => 1 / (su + data.vardir[i]!));
    const sumW = w.reduce((a, b) => a + b, 0);
    const c = sv / (1 + sv * sumW);
    const s = 1 / (1 + sv * sumW);
    const r = rows.map((i) => data.direct[i]! - synthetic[i]!);
    const wr = r.reduce((acc, v, j) => acc + w[j]! * v, 0);
    const z = r.map((v, j) => w[j]! * v - c * w[j]! * wr);
    const v = sv * z.reduce((a, b) => a + b, 0);
    townshipEffect[t] = v;
    townshipVar[t] = su + sv - sv * sv * sumW * s;
    rows.forEach((i, j) => {
      estimate[i] = synthetic[i]! + v + su * z[j]!;
      shrinkage[i] = sv * w[j]! * s + su * (w[j]! - c * w[j]! ** 2);
      conditionalVariance[i] =
        sv + su - (sv * sv * sumW * s + 2 * sv * su * w[j]! * s + su * su * (w[j]! - c * w[j]! ** 2));
    });
  });
  for (let i = 0; i < total; i++) {
    if (sampled[i]) continue;
    const t = data.group[i]!;
    estimate[i] = synthetic[i]! + townshipEffect[t]!;
    conditionalVariance[i] = townshipVar[t]!;
  }
  return {
    sigma2v: sv,
    sigma2u: su,
    beta: state.beta,
    betaVcov: state.q.to2DArray(),
    iterations,
    converged,
    restrictedLoglike: state.loglike,
    sampled,
    estimate,
    synthetic,
    townshipEffect,
    shrinkage,
    conditionalVariance,
  };
}

function product(a: ArrayLike<number>, b: ArrayLike<number>, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k]!;
      for (let j = 0; j < p; j++) out[i * p + j]! += aik * b[k * p + j]!;
    }
  return out;
}

function tr1(a: ArrayLike<number>, p: number): number {
  let t = 0;
  for (let k = 0; k < p; k++) t += a[k * p + k]!;
  return t;
}
