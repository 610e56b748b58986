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
  const model = new TwoLevelModel(data);
  model.fit(model.packDirect(data.direct), start, tol, maxit);
  return model.result();
}

/**
 * The two-level model of one set of villages, sampling variances and covariates, fitted to any
 * number of direct estimates with that pattern of sampled villages (a parametric bootstrap's
 * replicates): the villages are packed once, township by township, and every fit reuses the same
 * work arrays. The part of a REML step that does not involve the estimates (the moments of the
 * covariates, X'V⁻¹X and its inverse, the traces and the information) is kept for the first step's
 * (σ²ᵥ, σ²ᵤ), which every replicate starts from.
 */
export class TwoLevelModel {
  readonly p: number;
  /** Villages, sampled villages, township indices. */
  readonly total: number;
  readonly m: number;
  readonly towns: number;
  readonly sampled: boolean[];
  /** Village of each packed (sampled) row. */
  readonly order: Int32Array;
  /** Start of each non-empty township's rows, and the end; its township. */
  readonly starts: Int32Array;
  readonly blockTown: Int32Array;
  readonly group: Int32Array;
  /** Packed rows: covariates, their products xₖxₗ (l ≥ k), sampling variances. */
  readonly x: Float64Array;
  readonly xx: Float64Array;
  readonly d: Float64Array;
  /** Covariates of every village. */
  readonly xAll: Float64Array;
  readonly meanD: number;
  private readonly scratch: Scratch;
  private readonly firstStep: ThetaState;
  private readonly step: ThetaState;
  private readonly ys: YState;
  private last: ThetaState | null = null;
  private lastY: Float64Array | null = null;
  private iterations = 0;
  private converged = false;

  constructor(data: TwoLevelData) {
    const total = data.direct.length;
    this.total = total;
    this.sampled = data.direct.map((y) => y !== null && y !== undefined);
    const p = data.x[0]?.length ?? 0;
    this.p = p;
    this.towns = Math.max(-1, ...data.group) + 1;
    this.group = Int32Array.from(data.group);
    const blocks: number[][] = Array.from({ length: this.towns }, () => []);
    for (let i = 0; i < total; i++) {
      if (!this.sampled[i]) continue;
      const v = data.vardir[i];
      if (v === null || v === undefined || !(v > 0))
        throw new Error(`twoLevelFh: village ${i + 1}: sampling variance ${v} is not positive`);
      blocks[data.group[i]!]!.push(i);
    }
    const m = this.sampled.filter(Boolean).length;
    if (m <= p + 1)
      throw new Error(`twoLevelFh: ${m} sampled villages for ${p} covariates and two variances`);
    this.m = m;
    const q = (p * (p + 1)) / 2;
    this.order = new Int32Array(m);
    this.x = new Float64Array(m * p);
    this.xx = new Float64Array(m * q);
    this.d = new Float64Array(m);
    const starts: number[] = [];
    const blockTown: number[] = [];
    let j = 0;
    let meanD = 0;
    blocks.forEach((rows, t) => {
      if (rows.length === 0) return;
      starts.push(j);
      blockTown.push(t);
      for (const i of rows) {
        this.order[j] = i;
        const row = data.x[i]!;
        let o = j * q;
        for (let k = 0; k < p; k++) {
          this.x[j * p + k] = row[k]!;
          for (let l = k; l < p; l++) this.xx[o++] = row[k]! * row[l]!;
        }
        this.d[j] = data.vardir[i]!;
        meanD += this.d[j]!;
        j++;
      }
    });
    starts.push(j);
    this.meanD = meanD / m;
    this.starts = Int32Array.from(starts);
    this.blockTown = Int32Array.from(blockTown);
    this.xAll = new Float64Array(total * p);
    data.x.forEach((row, i) => {
      for (let k = 0; k < p; k++) this.xAll[i * p + k] = row[k]!;
    });
    const nb = blockTown.length;
    this.scratch = new Scratch(p, q, total, this.towns);
    this.firstStep = new ThetaState(m, nb, p);
    this.step = new ThetaState(m, nb, p);
    this.ys = new YState(p, m);
  }

  /** The sampled villages' estimates in packed order. */
  packDirect(
    direct: readonly (number | null)[] | Float64Array,
    out = new Float64Array(this.m),
  ): Float64Array {
    for (let j = 0; j < this.m; j++) out[j] = direct[this.order[j]!]!;
    return out;
  }

  /**
   * REML fit to the packed estimates `y` from `start` (else from half the excess of the
   * estimates' variance over the mean sampling variance each), by Newton's method on the
   * observed information where it is positive definite and Fisher scoring elsewhere, until the
   * next step would be below `tol` relative to max(σ²ᵥ + σ²ᵤ, mean ψ). Throws when X'V⁻¹X is
   * singular.
   */
  fit(y: Float64Array, start?: TwoLevelParameters, tol = 1e-10, maxit = 200): TwoLevelParameters {
    const { m, meanD } = this;
    // Fisher scoring is stuck at an exact zero (the information can vanish there): start inside.
    const floor = 1e-3 * meanD;
    let theta: [number, number];
    if (start) theta = [Math.max(start.sigma2v, floor), Math.max(start.sigma2u, floor)];
    else {
      let mean = 0;
      for (let j = 0; j < m; j++) mean += y[j]!;
      mean /= m;
      let v = 0;
      for (let j = 0; j < m; j++) v += (y[j]! - mean) ** 2;
      const excess = Math.max(v / (m - 1) - meanD, 0.1 * meanD);
      theta = [excess / 2, excess / 2];
    }
    this.last = null;
    this.lastY = y;
    let st = this.firstStep;
    if (!(st.sv === theta[0] && st.su === theta[1])) this.thetaPart(st, theta[0], theta[1]);
    this.yPart(st, y);
    let iterations = 0;
    let converged = false;
    for (; iterations < maxit; iterations++) {
      const { score, observed } = this.ys;
      // Newton's step on the observed information where it is positive definite and the step
      // stays inside (near the maximum: quadratic convergence), else Fisher scoring's
      const newton = newtonStep(theta, score, observed);
      const info = st.info;
      const det = info[0]! * info[3]! - info[1]! * info[2]!;
      let next: [number, number] = newton ?? [
        theta[0] + (info[3]! * score[0]! - info[1]! * score[1]!) / det,
        theta[1] + (-info[2]! * score[0]! + info[0]! * score[1]!) / det,
      ];
      if (!newton && (!(det > 0) || !(next[0] >= 0) || !(next[1] >= 0))) {
        // On or across the boundary: a projected step in each parameter alone, kept at 0 or above.
        next = [theta[0], theta[1]];
        if (info[0]! > 0) next[0] = Math.max(0, theta[0] + score[0]! / info[0]!);
        if (info[3]! > 0) next[1] = Math.max(0, theta[1] + score[1]! / info[3]!);
      }
      if (!Number.isFinite(next[0]) || !Number.isFinite(next[1])) break;
      const change = Math.max(Math.abs(next[0] - theta[0]), Math.abs(next[1] - theta[1]));
      // converged when the step to take is this small: θ is kept (the step is not taken, so
      // the last evaluation is at θ and nothing is computed again)
      if (change <= tol * Math.max(next[0] + next[1], meanD)) {
        converged = true;
        break;
      }
      theta = next;
      st = this.step;
      this.thetaPart(st, theta[0], theta[1]);
      this.yPart(st, y);
    }
    this.last = st;
    this.iterations = iterations;
    this.converged = converged;
    return { sigma2v: theta[0], sigma2u: theta[1] };
  }

  /**
   * REML's pieces that do not involve the estimates, at θ = (σ²ᵥ, σ²ᵤ). Every term is a sum over
   * townships of closed forms in the township's moments Σwᵃ, Σwᵃx, Σwᵃxx' (a = 1, 2, 3),
   * w = 1/(σ²ᵤ + ψ), from Vᵢ⁻¹ = W − c w w' (c = σ²ᵥ / (1 + σ²ᵥ Σw)): with G = V⁻¹X and
   * P = V⁻¹ − GQG', tr(P A P B) = tr(V⁻¹AV⁻¹B) − 2 tr(Q G'AV⁻¹BG) + tr(QG'AG QG'BG) for
   * A, B ∈ {I, J}. The Σwᵃxx' enter without a township's own factor, so they are summed over all
   * villages at once; the townships add rank-one terms.
   */
  private thetaPart(st: ThetaState, sv: number, su: number): void {
    const { p, x, xx, d, starts } = this;
    const { M1, M2, M3, a2, a3, bk, xtx, gg, ghI, gjg, gjRiJg, gRiJg, qa, qb } = this.scratch;
    const { w, C, SB, S0, S2, A1 } = st;
    const q = M1.length;
    const nb = starts.length - 1;
    // (invalid until the end: a throw below must not leave a half-written state that looks cached)
    st.sv = Number.NaN;
    st.su = Number.NaN;
    M1.fill(0);
    M2.fill(0);
    M3.fill(0);
    A1.fill(0);
    xtx.fill(0);
    gg.fill(0);
    ghI.fill(0);
    gjg.fill(0);
    gjRiJg.fill(0);
    gRiJg.fill(0);
    let trRi = 0;
    let trRiJ = 0;
    let trRi2 = 0;
    let trRiJRiJ = 0;
    let trRi2J = 0;
    for (let b = 0; b < nb; b++) {
      a2.fill(0);
      a3.fill(0);
      let s0 = 0;
      let s2 = 0;
      let s3 = 0;
      const a1o = b * p;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const a = su + d[j]!;
        const wj = 1 / a;
        const w2 = wj * wj;
        const w3 = w2 * wj;
        w[j] = wj;
        s0 += wj;
        s2 += w2;
        s3 += w3;
        const xo = j * p;
        for (let k = 0; k < p; k++) {
          const xk = x[xo + k]!;
          A1[a1o + k]! += wj * xk;
          a2[k]! += w2 * xk;
          a3[k]! += w3 * xk;
        }
        const qo = j * q;
        for (let t = 0; t < q; t++) {
          const v = xx[qo + t]!;
          M1[t]! += wj * v;
          M2[t]! += w2 * v;
          M3[t]! += w3 * v;
        }
      }
      const sb = 1 / (1 + sv * s0);
      const c = sv * sb;
      S0[b] = s0;
      S2[b] = s2;
      C[b] = c;
      SB[b] = sb;
      trRi += s0 - c * s2;
      trRiJ += s0 * sb;
      trRi2 += s2 - 2 * c * s3 + c * c * s2 * s2;
      trRiJRiJ += (s0 * sb) ** 2;
      trRi2J += sb * sb * s2;
      const oneRiOne = s0 * sb;
      const sb2 = sb * sb;
      for (let k = 0; k < p; k++) bk[k] = a2[k]! - c * s2 * A1[a1o + k]!;
      // the symmetric ones on and above the diagonal only (mirrored below); gRiJg is not symmetric
      const cc = c * c;
      const jj = sb2 * oneRiOne;
      for (let k = 0; k < p; k++) {
        const a1k = A1[a1o + k]!;
        const a2k = a2[k]!;
        const a3k = a3[k]!;
        const bkk = bk[k]!;
        for (let l = k; l < p; l++) {
          const a1l = A1[a1o + l]!;
          const o = k * p + l;
          const aa = a1k * a1l;
          xtx[o]! -= c * aa;
          gg[o]! += -c * (a1l * a2k + a1k * a2[l]!) + cc * aa * s2;
          ghI[o]! += -c * (a1l * a3k + a1k * a3[l]!) + cc * aa * s3 - c * bkk * bk[l]!;
          gjg[o]! += sb2 * aa;
          gjRiJg[o]! += jj * aa;
        }
        for (let l = 0; l < p; l++) gRiJg[k * p + l]! += sb2 * bkk * A1[a1o + l]!;
      }
    }
    let t = 0;
    for (let k = 0; k < p; k++)
      for (let l = k; l < p; l++, t++) {
        const o = k * p + l;
        xtx[o]! += M1[t]!;
        gg[o]! += M2[t]!;
        ghI[o]! += M3[t]!;
        if (l !== k) {
          const r = l * p + k;
          xtx[r] = xtx[o]!;
          gg[r] = gg[o]!;
          ghI[r] = ghI[o]!;
          gjg[r] = gjg[o]!;
          gjRiJg[r] = gjRiJg[o]!;
        }
      }
    // Q = (X'V⁻¹X)⁻¹ by Cholesky (p is a handful of covariates: no matrix objects in this loop)
    const Q = st.q;
    const L = this.scratch.chol;
    let logDetXtX = 0;
    for (let k = 0; k < p; k++) {
      for (let l = 0; l <= k; l++) {
        let s = 0.5 * (xtx[k * p + l]! + xtx[l * p + k]!);
        for (let r = 0; r < l; r++) s -= L[k * p + r]! * L[l * p + r]!;
        if (l === k) {
          if (!(s > 0)) throw new Error("twoLevelFh: X'V⁻¹X is singular (collinear covariates?)");
          L[k * p + k] = Math.sqrt(s);
          logDetXtX += Math.log(s);
        } else L[k * p + l] = s / L[l * p + l]!;
      }
    }
    for (let col = 0; col < p; col++) {
      // L z = e_col, then L' q = z
      const z = qa;
      for (let k = 0; k < p; k++) {
        let s = k === col ? 1 : 0;
        for (let r = 0; r < k; r++) s -= L[k * p + r]! * z[r]!;
        z[k] = s / L[k * p + k]!;
      }
      for (let k = p - 1; k >= 0; k--) {
        let s = z[k]!;
        for (let r = k + 1; r < p; r++) s -= L[r * p + k]! * Q[r * p + col]!;
        Q[k * p + col] = s / L[k * p + k]!;
      }
    }
    const tr = (a: Float64Array): number => {
      let s = 0;
      for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) s += Q[k * p + l]! * a[l * p + k]!;
      return s;
    };
    // QG = Q·gg and QJ = Q·gjg, for tr(QA QB)
    multiply(Q, gg, qa, p);
    multiply(Q, gjg, qb, p);
    const trProduct = (a: Float64Array, b: Float64Array): number => {
      let s = 0;
      for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) s += a[k * p + l]! * b[l * p + k]!;
      return s;
    };
    st.sv = sv;
    st.su = su;
    st.logDetXtX = logDetXtX;
    st.trPu = trRi - tr(gg);
    st.trPv = trRiJ - tr(gjg);
    const iuu = 0.5 * (trRi2 - 2 * tr(ghI) + trProduct(qa, qa));
    const ivv = 0.5 * (trRiJRiJ - 2 * tr(gjRiJg) + trProduct(qb, qb));
    const iuv = 0.5 * (trRi2J - 2 * tr(gRiJg) + trProduct(qa, qb));
    st.info[0] = ivv;
    st.info[1] = iuv;
    st.info[2] = iuv;
    st.info[3] = iuu;
  }

  /** The parts of a REML step that involve the estimates y: β̂, the score and the log-likelihood. */
  private yPart(st: ThetaState, y: Float64Array): void {
    const { p, x, starts } = this;
    const { w, C, SB, S0, S2, A1 } = st;
    const ys = this.ys;
    const { xty, beta, xy } = ys;
    const Q = st.q;
    const nb = starts.length - 1;
    xty.fill(0);
    for (let b = 0; b < nb; b++) {
      xy.fill(0);
      let y1 = 0;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const wy = w[j]! * y[j]!;
        y1 += wy;
        const xo = j * p;
        for (let k = 0; k < p; k++) xy[k]! += wy * x[xo + k]!;
      }
      const c = C[b]!;
      for (let k = 0; k < p; k++) xty[k]! += xy[k]! - c * A1[b * p + k]! * y1;
    }
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += Q[k * p + l]! * xty[l]!;
      beta[k] = s;
    }
    let zz = 0;
    let z1sq = 0;
    let rr = 0;
    // for the observed information: z = Py = V⁻¹r and Jz, through V⁻¹ and X'V⁻¹ (see `fit`)
    const { gI, gJ, r: res } = ys;
    gI.fill(0);
    gJ.fill(0);
    let zVz = 0;
    let zVJz = 0;
    let JzVJz = 0;
    for (let b = 0; b < nb; b++) {
      let wr = 0;
      let w2r = 0;
      let w2r2 = 0;
      let wr2 = 0;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        let fit = 0;
        const xo = j * p;
        for (let k = 0; k < p; k++) fit += x[xo + k]! * beta[k]!;
        const r = y[j]! - fit;
        res[j] = r;
        const wj = w[j]!;
        const wjr = wj * r;
        wr += wjr;
        w2r += wj * wjr;
        w2r2 += wjr * wjr;
        wr2 += wjr * r;
      }
      const c = C[b]!;
      const sb = SB[b]!;
      zz += w2r2 - 2 * c * wr * w2r + c * c * wr * wr * S2[b]!;
      z1sq += (sb * wr) ** 2;
      rr += wr2 - c * wr * wr;
      // zⱼ = wⱼrⱼ − c wⱼ Σwr; (Jz)ⱼ = t = 1'z = sb Σwr
      let wz = 0;
      let wzz = 0;
      const xy = ys.xy;
      xy.fill(0);
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const wj = w[j]!;
        const z = wj * res[j]! - c * wj * wr;
        const wjz = wj * z;
        wz += wjz;
        wzz += wjz * z;
        const xo = j * p;
        for (let k = 0; k < p; k++) xy[k]! += wjz * x[xo + k]!;
      }
      const t = sb * wr;
      const s0 = S0[b]!;
      zVz += wzz - c * wz * wz;
      zVJz += t * sb * wz;
      JzVJz += t * t * s0 * sb;
      for (let k = 0; k < p; k++) {
        const a1 = A1[b * p + k]!;
        gI[k]! += xy[k]! - c * a1 * wz;
        gJ[k]! += t * sb * a1;
      }
    }
    // u'Pv = u'V⁻¹v − (X'V⁻¹u)'Q(X'V⁻¹v) for u, v ∈ {z, Jz}: ½ y'PAPBPy, the "average information"
    let qII = 0;
    let qIJ = 0;
    let qJJ = 0;
    for (let k = 0; k < p; k++)
      for (let l = 0; l < p; l++) {
        const qkl = Q[k * p + l]!;
        qII += gI[k]! * qkl * gI[l]!;
        qIJ += gI[k]! * qkl * gJ[l]!;
        qJJ += gJ[k]! * qkl * gJ[l]!;
      }
    const aiUU = 0.5 * (zVz - qII);
    const aiUV = 0.5 * (zVJz - qIJ);
    const aiVV = 0.5 * (JzVJz - qJJ);
    ys.observed[0] = 2 * aiVV - st.info[0]!;
    ys.observed[1] = 2 * aiUV - st.info[1]!;
    ys.observed[2] = ys.observed[1]!;
    ys.observed[3] = 2 * aiUU - st.info[3]!;
    ys.score[0] = -0.5 * st.trPv + 0.5 * z1sq;
    ys.score[1] = -0.5 * st.trPu + 0.5 * zz;
    ys.rr = rr;
  }

  /**
   * The last fit's EBLUP and conditional variance of every village (and, when given, the
   * synthetic part, the township effects and the shrinkage) into the arrays given.
   */
  predictInto(
    estimate: Float64Array | number[],
    conditionalVariance: Float64Array | number[],
    extra?: { synthetic: number[]; townshipEffect: number[]; shrinkage: number[] },
  ): void {
    const st = this.last;
    const y = this.lastY;
    if (!st || !y) throw new Error("twoLevelFh: predict before a fit");
    const { p, total, towns, order, starts, blockTown, xAll, group, sampled } = this;
    const { sv, su, w, C, SB, S0 } = st;
    const beta = this.ys.beta;
    const { synthetic, townEffect, townVar } = this.scratch;
    for (let i = 0; i < total; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += xAll[i * p + k]! * beta[k]!;
      synthetic[i] = s;
    }
    townEffect.fill(0);
    townVar.fill(sv + su);
    for (let b = 0; b < blockTown.length; b++) {
      const t = blockTown[b]!;
      const sumW = S0[b]!;
      const c = C[b]!;
      const s = SB[b]!;
      let wr = 0;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) wr += w[j]! * (y[j]! - synthetic[order[j]!]!);
      let zsum = 0;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const wj = w[j]!;
        zsum += wj * (y[j]! - synthetic[order[j]!]!) - c * wj * wr;
      }
      const v = sv * zsum;
      townEffect[t] = v;
      townVar[t] = su + sv - sv * sv * sumW * s;
      for (let j = starts[b]!; j < starts[b + 1]!; j++) {
        const i = order[j]!;
        const wj = w[j]!;
        const z = wj * (y[j]! - synthetic[i]!) - c * wj * wr;
        estimate[i] = synthetic[i]! + v + su * z;
        conditionalVariance[i] =
          sv + su - (sv * sv * sumW * s + 2 * sv * su * wj * s + su * su * (wj - c * wj * wj));
        if (extra) extra.shrinkage[i] = sv * wj * s + su * (wj - c * wj * wj);
      }
    }
    for (let i = 0; i < total; i++) {
      if (sampled[i]) continue;
      const t = group[i]!;
      estimate[i] = synthetic[i]! + townEffect[t]!;
      conditionalVariance[i] = townVar[t]!;
    }
    if (extra) {
      for (let i = 0; i < total; i++) extra.synthetic[i] = synthetic[i]!;
      for (let t = 0; t < towns; t++) extra.townshipEffect[t] = townEffect[t]!;
    }
  }

  /**
   * The REML score, expected (Fisher) and observed information at the last evaluated θ, in the
   * order (σ²ᵥ, σ²ᵤ): the observed one is minus the Hessian of `restrictedLoglike`.
   */
  information(): { score: number[]; expected: number[]; observed: number[] } {
    if (!this.last) throw new Error("twoLevelFh: information before a fit");
    return {
      score: Array.from(this.ys.score),
      expected: Array.from(this.last.info),
      observed: Array.from(this.ys.observed),
    };
  }

  /** −½((m − p) log 2π + log|V| + log|X'V⁻¹X| + y'Py) at the state's θ (only for the result: a log per village). */
  private restrictedLoglike(st: ThetaState): number {
    const { d, starts, m, p } = this;
    let logDetV = 0;
    for (let j = 0; j < m; j++) logDetV += Math.log(st.su + d[j]!);
    for (let b = 0; b < starts.length - 1; b++) logDetV += Math.log(1 + st.sv * st.S0[b]!);
    return -0.5 * ((m - p) * Math.log(2 * Math.PI) + logDetV + st.logDetXtX + this.ys.rr);
  }

  /** The last fit in full. */
  result(): TwoLevelFit {
    const st = this.last;
    if (!st) throw new Error("twoLevelFh: result before a fit");
    const { p, total, towns } = this;
    const estimate = new Array<number>(total);
    const conditionalVariance = new Array<number>(total);
    const extra = {
      synthetic: new Array<number>(total),
      townshipEffect: new Array<number>(towns),
      shrinkage: new Array<number>(total).fill(0),
    };
    this.predictInto(estimate, conditionalVariance, extra);
    return {
      sigma2v: st.sv,
      sigma2u: st.su,
      beta: Array.from(this.ys.beta),
      betaVcov: Array.from({ length: p }, (_, k) => Array.from(st.q.subarray(k * p, k * p + p))),
      iterations: this.iterations,
      converged: this.converged,
      restrictedLoglike: this.restrictedLoglike(st),
      sampled: [...this.sampled],
      estimate,
      ...extra,
      conditionalVariance,
    };
  }
}

/** What a REML step keeps at one θ, independent of the estimates. */
class ThetaState {
  sv = Number.NaN;
  su = Number.NaN;
  logDetXtX = 0;
  trPu = 0;
  trPv = 0;
  readonly info = new Float64Array(4);
  readonly w: Float64Array;
  readonly C: Float64Array;
  readonly SB: Float64Array;
  readonly S0: Float64Array;
  readonly S2: Float64Array;
  readonly A1: Float64Array;
  readonly q: Float64Array;
  constructor(m: number, nb: number, p: number) {
    this.w = new Float64Array(m);
    this.C = new Float64Array(nb);
    this.SB = new Float64Array(nb);
    this.S0 = new Float64Array(nb);
    this.S2 = new Float64Array(nb);
    this.A1 = new Float64Array(nb * p);
    this.q = new Float64Array(p * p);
  }
}

/** The estimates' part of a step: β̂, the score, the log-likelihood. */
class YState {
  /** y'Py, the residual term of the restricted log-likelihood. */
  rr = 0;
  readonly score = new Float64Array(2);
  /** Observed information (minus the Hessian of the REML log-likelihood), laid out as `info`. */
  readonly observed = new Float64Array(4);
  readonly xty: Float64Array;
  readonly beta: Float64Array;
  readonly xy: Float64Array;
  readonly gI: Float64Array;
  readonly gJ: Float64Array;
  /** GLS residual of each packed row. */
  readonly r: Float64Array;
  constructor(p: number, m: number) {
    this.xty = new Float64Array(p);
    this.beta = new Float64Array(p);
    this.xy = new Float64Array(p);
    this.gI = new Float64Array(p);
    this.gJ = new Float64Array(p);
    this.r = new Float64Array(m);
  }
}

class Scratch {
  readonly M1: Float64Array;
  readonly M2: Float64Array;
  readonly M3: Float64Array;
  readonly a2: Float64Array;
  readonly a3: Float64Array;
  readonly bk: Float64Array;
  readonly xtx: Float64Array;
  readonly gg: Float64Array;
  readonly ghI: Float64Array;
  readonly gjg: Float64Array;
  readonly gjRiJg: Float64Array;
  readonly gRiJg: Float64Array;
  readonly qa: Float64Array;
  readonly qb: Float64Array;
  readonly chol: Float64Array;
  readonly synthetic: Float64Array;
  readonly townEffect: Float64Array;
  readonly townVar: Float64Array;
  constructor(p: number, q: number, total: number, towns: number) {
    const pp = p * p;
    this.M1 = new Float64Array(q);
    this.M2 = new Float64Array(q);
    this.M3 = new Float64Array(q);
    this.a2 = new Float64Array(p);
    this.a3 = new Float64Array(p);
    this.bk = new Float64Array(p);
    this.xtx = new Float64Array(pp);
    this.gg = new Float64Array(pp);
    this.ghI = new Float64Array(pp);
    this.gjg = new Float64Array(pp);
    this.gjRiJg = new Float64Array(pp);
    this.gRiJg = new Float64Array(pp);
    this.qa = new Float64Array(pp);
    this.qb = new Float64Array(pp);
    this.chol = new Float64Array(pp);
    this.synthetic = new Float64Array(total);
    this.townEffect = new Float64Array(towns);
    this.townVar = new Float64Array(towns);
  }
}

/** θ + J⁻¹ score when J is positive definite and the result has both variances positive; else null. */
function newtonStep(theta: [number, number], score: Float64Array, J: Float64Array): [number, number] | null {
  const det = J[0]! * J[3]! - J[1]! * J[2]!;
  if (!(det > 0) || !(J[0]! > 0)) return null;
  const next: [number, number] = [
    theta[0] + (J[3]! * score[0]! - J[1]! * score[1]!) / det,
    theta[1] + (-J[2]! * score[0]! + J[0]! * score[1]!) / det,
  ];
  return next[0] > 0 && next[1] > 0 ? next : null;
}

function multiply(a: Float64Array, b: Float64Array, out: Float64Array, p: number): void {
  out.fill(0);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k]!;
      for (let j = 0; j < p; j++) out[i * p + j]! += aik * b[k * p + j]!;
    }
}
