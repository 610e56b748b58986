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
  let meanD = 0;
  let mean = 0;
  for (let i = 0; i < total; i++) {
    if (!sampled[i]) continue;
    mean += data.direct[i]!;
    meanD += data.vardir[i]!;
  }
  mean /= m;
  meanD /= m;
  // Fisher scoring is stuck at an exact zero (the information can vanish there): start inside.
  const floor = 1e-3 * meanD;
  let theta: [number, number];
  if (start) theta = [Math.max(start.sigma2v, floor), Math.max(start.sigma2u, floor)];
  else {
    let v = 0;
    for (let i = 0; i < total; i++) if (sampled[i]) v += (data.direct[i]! - mean) ** 2;
    const excess = Math.max(v / (m - 1) - meanD, 0.1 * meanD);
    theta = [excess / 2, excess / 2];
  }
  const packed = pack(data, blocks, p);
  let state = evaluate(theta, packed);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxit; iterations++) {
    const { score, info } = state;
    const det = info[0] * info[3] - info[1] * info[2];
    let next: [number, number] = [
      theta[0] + (info[3] * score[0] - info[1] * score[1]) / det,
      theta[1] + (-info[2] * score[0] + info[0] * score[1]) / det,
    ];
    if (!(det > 0) || !(next[0] >= 0) || !(next[1] >= 0)) {
      // On or across the boundary: a projected step in each parameter alone, kept at 0 or above.
      next = [theta[0], theta[1]];
      if (info[0] > 0) next[0] = Math.max(0, theta[0] + score[0] / info[0]);
      if (info[3] > 0) next[1] = Math.max(0, theta[1] + score[1] / info[3]);
    }
    if (!Number.isFinite(next[0]) || !Number.isFinite(next[1])) break;
    const change = Math.max(Math.abs(next[0] - theta[0]), Math.abs(next[1] - theta[1]));
    theta = next;
    state = evaluate(theta, packed);
    if (change <= tol * Math.max(theta[0] + theta[1], meanD)) {
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

/** The sampled villages in flat arrays, block by block, for `evaluate`. */
interface Packed {
  p: number;
  x: Float64Array;
  y: Float64Array;
  d: Float64Array;
  /** Start of each non-empty block in the arrays, and the end. */
  starts: number[];
}

function pack(data: TwoLevelData, blocks: number[][], p: number): Packed {
  const n = blocks.reduce((a, b) => a + b.length, 0);
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const d = new Float64Array(n);
  const starts: number[] = [];
  let j = 0;
  for (const rows of blocks) {
    if (rows.length === 0) continue;
    starts.push(j);
    for (const i of rows) {
      for (let k = 0; k < p; k++) x[j * p + k] = data.x[i]![k]!;
      y[j] = data.direct[i]!;
      d[j] = data.vardir[i]!;
      j++;
    }
  }
  starts.push(j);
  return { p, x, y, d, starts };
}

/**
 * REML score, Fisher information, β̂ and the restricted log-likelihood at θ = (σ²ᵥ, σ²ᵤ). Every
 * term is a sum over townships of closed forms in the township's moments Σwᵃ, Σwᵃx, Σwᵃxx'
 * (a = 1, 2, 3), w = 1/(σ²ᵤ + ψ), from Vᵢ⁻¹ = W − c w w' (c = σ²ᵥ / (1 + σ²ᵥ Σw)): with
 * G = V⁻¹X and P = V⁻¹ − GQG', tr(P A P B) = tr(V⁻¹AV⁻¹B) − 2 tr(Q G'AV⁻¹BG) + tr(QG'AG QG'BG)
 * for A, B ∈ {I, J}. Two passes over the villages, no allocation per village.
 */
function evaluate(theta: [number, number], packed: Packed): State {
  const [sv, su] = theta;
  const { p, x, y, d, starts } = packed;
  const pp = p * p;
  const nb = starts.length - 1;
  // per-block moments, kept for the second pass
  const A1 = new Float64Array(nb * p);
  const S0 = new Float64Array(nb);
  const C = new Float64Array(nb);
  const xtx = new Float64Array(pp);
  const xty = new Float64Array(p);
  const gg = new Float64Array(pp);
  const ghI = new Float64Array(pp);
  const gjg = new Float64Array(pp);
  const gjRiJg = new Float64Array(pp);
  const gRiJg = new Float64Array(pp);
  const a2 = new Float64Array(p);
  const a3 = new Float64Array(p);
  const m1 = new Float64Array(pp);
  const m2 = new Float64Array(pp);
  const m3 = new Float64Array(pp);
  const xy = new Float64Array(p);
  const bk = new Float64Array(p);
  let logDetV = 0;
  let trRi = 0;
  let trRiJ = 0;
  let trRi2 = 0;
  let trRiJRiJ = 0;
  let trRi2J = 0;
  for (let b = 0; b < nb; b++) {
    a2.fill(0);
    a3.fill(0);
    m1.fill(0);
    m2.fill(0);
    m3.fill(0);
    xy.fill(0);
    let s0 = 0;
    let s2 = 0;
    let s3 = 0;
    let y1 = 0;
    const a1o = b * p;
    for (let j = starts[b]!; j < starts[b + 1]!; j++) {
      const a = su + d[j]!;
      const w = 1 / a;
      const w2 = w * w;
      const w3 = w2 * w;
      logDetV += Math.log(a);
      s0 += w;
      s2 += w2;
      s3 += w3;
      y1 += w * y[j]!;
      const xo = j * p;
      for (let k = 0; k < p; k++) {
        const xk = x[xo + k]!;
        A1[a1o + k]! += w * xk;
        a2[k]! += w2 * xk;
        a3[k]! += w3 * xk;
        xy[k]! += w * xk * y[j]!;
        for (let l = k; l < p; l++) {
          const xkl = xk * x[xo + l]!;
          m1[k * p + l]! += w * xkl;
          m2[k * p + l]! += w2 * xkl;
          m3[k * p + l]! += w3 * xkl;
        }
      }
    }
    const c = sv / (1 + sv * s0);
    const sb = 1 / (1 + sv * s0);
    S0[b] = s0;
    C[b] = c;
    logDetV += Math.log(1 + sv * s0);
    trRi += s0 - c * s2;
    trRiJ += s0 * sb;
    trRi2 += s2 - 2 * c * s3 + c * c * s2 * s2;
    trRiJRiJ += (s0 * sb) ** 2;
    trRi2J += sb * sb * s2;
    const oneRiOne = s0 * sb;
    for (let k = 0; k < p; k++) bk[k] = a2[k]! - c * s2 * A1[a1o + k]!;
    for (let k = 0; k < p; k++) {
      const a1k = A1[a1o + k]!;
      xty[k]! += xy[k]! - c * a1k * y1;
      for (let l = 0; l < p; l++) {
        const a1l = A1[a1o + l]!;
        const kl = k <= l ? k * p + l : l * p + k;
        const o = k * p + l;
        xtx[o]! += m1[kl]! - c * a1k * a1l;
        gg[o]! += m2[kl]! - c * a1l * a2[k]! - c * a1k * a2[l]! + c * c * a1k * a1l * s2;
        ghI[o]! +=
          m3[kl]! - c * a1l * a3[k]! - c * a1k * a3[l]! + c * c * a1k * a1l * s3 - c * bk[k]! * bk[l]!;
        const g1k = sb * a1k;
        const g1l = sb * a1l;
        gjg[o]! += g1k * g1l;
        gjRiJg[o]! += g1k * oneRiOne * g1l;
        gRiJg[o]! += sb * bk[k]! * g1l;
      }
    }
  }
  const xtxM = new Matrix(p, p);
  for (let k = 0; k < p; k++)
    for (let l = 0; l < p; l++) xtxM.set(k, l, 0.5 * (xtx[k * p + l]! + xtx[l * p + k]!));
  const chol = new CholeskyDecomposition(xtxM);
  if (!chol.isPositiveDefinite()) throw new Error("twoLevelFh: X'V⁻¹X is singular (collinear covariates?)");
  const q = chol.solve(Matrix.eye(p));
  let logDetXtX = 0;
  for (let k = 0; k < p; k++) logDetXtX += 2 * Math.log(chol.lowerTriangularMatrix.get(k, k));
  const qa = q.to1DArray();
  const beta = new Array<number>(p).fill(0);
  for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) beta[k]! += qa[k * p + l]! * xty[l]!;
  // second pass: residual terms
  let zz = 0;
  let z1sq = 0;
  let rr = 0;
  for (let b = 0; b < nb; b++) {
    let wr = 0;
    let w2r = 0;
    let w2r2 = 0;
    let wr2 = 0;
    for (let j = starts[b]!; j < starts[b + 1]!; j++) {
      let fit = 0;
      for (let k = 0; k < p; k++) fit += x[j * p + k]! * beta[k]!;
      const r = y[j]! - fit;
      const w = 1 / (su + d[j]!);
      wr += w * r;
      w2r += w * w * r;
      w2r2 += w * w * r * r;
      wr2 += w * r * r;
    }
    const c = C[b]!;
    const s2 = starts[b + 1]! - starts[b]! > 0 ? sumW2(starts[b]!, starts[b + 1]!, su, d) : 0;
    zz += w2r2 - 2 * c * wr * w2r + c * c * wr * wr * s2;
    const sb = 1 / (1 + sv * S0[b]!);
    z1sq += (sb * wr) ** 2;
    rr += wr2 - c * wr * wr;
  }
  const tr = (a: Float64Array): number => {
    let t = 0;
    for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) t += qa[k * p + l]! * a[l * p + k]!;
    return t;
  };
  const tr2 = (a: Float64Array, b: Float64Array): number =>
    tr1(product(product(qa, a, p), product(qa, b, p), p), p);
  const trPu = trRi - tr(gg);
  const trPv = trRiJ - tr(gjg);
  const score: [number, number] = [-0.5 * trPv + 0.5 * z1sq, -0.5 * trPu + 0.5 * zz];
  const iuu = 0.5 * (trRi2 - 2 * tr(ghI) + tr2(gg, gg));
  const ivv = 0.5 * (trRiJRiJ - 2 * tr(gjRiJg) + tr2(gjg, gjg));
  const iuv = 0.5 * (trRi2J - 2 * tr(gRiJg) + tr2(gg, gjg));
  const m = starts[nb]!;
  const loglike = -0.5 * ((m - p) * Math.log(2 * Math.PI) + logDetV + logDetXtX + rr);
  return { score, info: [ivv, iuv, iuv, iuu], q, beta, loglike };
}

function sumW2(from: number, to: number, su: number, d: Float64Array): number {
  let s = 0;
  for (let j = from; j < to; j++) s += 1 / (su + d[j]!) ** 2;
  return s;
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
