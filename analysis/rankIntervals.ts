import { seededRandom } from "./replicates/random.ts";

export interface RankInterval {
  /** 1 = the highest estimate (ties broken by position in the input) */
  rank: number;
  /** marginal 1 − α confidence set for this unit's rank: [low, high] */
  marginalLow: number;
  marginalHigh: number;
  /** simultaneous: all units' sets hold together with probability ≥ 1 − α */
  simultaneousLow: number;
  simultaneousHigh: number;
}

/**
 * Confidence sets for ranks, after Mogstad, Romano, Shaikh & Wilhelm (2024), "Inference for
 * ranks with applications to mobility across neighbourhoods and academic achievement across
 * countries", Review of Economic Studies 91(1): from simultaneous confidence intervals for the
 * differences θ_j − θ_k, the rank of j (1 = highest) lies in
 * [1 + #{k: θ_k − θ_j significantly > 0}, n − #{k: θ_j − θ_k significantly > 0}].
 * Differences are judged two-sidedly with a critical value c: |θ̂_j − θ̂_k| > c·σ_jk, σ_jk² =
 * Σ_jj + Σ_kk − 2Σ_jk. c is the 1 − α quantile, over draws Z ~ N(0, Σ) (parametric bootstrap
 * from the joint covariance Σ of the estimates), of max_{k≠j} |Z_j − Z_k|/σ_jk for the
 * marginal set of unit j, and of the max over all pairs for the simultaneous sets.
 *
 * Deterministic for a given `seed`. Σ must be positive semi-definite (it is factored by a
 * Cholesky decomposition with a zero pivot for a zero-variance unit).
 *
 * Limits: two-sided sets only; O(draws · n²/2) work (n = 50 units, 1000 draws: about 1.2M pairs).
 *
 * @example
 * const sets = rankIntervals([70, 65, 60], [[4, 0, 0], [0, 4, 0], [0, 0, 4]]);
 * // sets[0] = { rank: 1, marginalLow: 1, marginalHigh: 2, ... }
 */
export function rankIntervals(
  estimates: number[],
  covariance: number[][],
  options: { level?: number; draws?: number; seed?: number } = {},
): RankInterval[] {
  const n = estimates.length;
  const level = options.level ?? 0.95;
  const draws = options.draws ?? 2000;
  if (n === 0) return [];
  const sigma = pairSe(covariance);
  const L = cholesky(covariance);
  const draw = correlatedDraw(L, gaussian(seededRandom(options.seed ?? 1)));
  // 1/σ_jk, row after row (0 where the pair cannot be told apart by its error: σ_jk = 0)
  const inverse = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let k = 0; k < n; k++) inverse[j * n + k] = sigma[j]![k]! > 0 ? 1 / sigma[j]![k]! : 0;
  const maxPerUnit = Array.from({ length: n }, () => new Float64Array(draws));
  const maxAll = new Float64Array(draws);
  const z = new Float64Array(n);
  const m = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    draw(z);
    // each pair once: |Z_j − Z_k|/σ_jk raises the maxima of both j and k
    m.fill(0);
    for (let j = 0; j < n; j++) {
      const row = j * n;
      const zj = z[j]!;
      let mj = m[j]!;
      for (let k = j + 1; k < n; k++) {
        const t = Math.abs(zj - z[k]!) * inverse[row + k]!;
        // (Math.max rather than branches: which pair raises a maximum is a coin toss)
        mj = Math.max(mj, t);
        m[k] = Math.max(m[k]!, t);
      }
      m[j] = mj;
    }
    let all = 0;
    for (let j = 0; j < n; j++) {
      maxPerUnit[j]![d] = m[j]!;
      if (m[j]! > all) all = m[j]!;
    }
    maxAll[d] = all;
  }
  const cAll = quantile(maxAll, level);
  const order = estimates.map((_, i) => i).sort((a, b) => estimates[b]! - estimates[a]! || a - b);
  const rankOf = new Array<number>(n);
  order.forEach((i, r) => {
    rankOf[i] = r + 1;
  });
  return estimates.map((_, j) => {
    const cj = quantile(maxPerUnit[j]!, level);
    const set = (c: number) => {
      let above = 0;
      let below = 0;
      for (let k = 0; k < n; k++) {
        if (k === j) continue;
        const sd = sigma[j]![k]!;
        const diff = estimates[k]! - estimates[j]!;
        if (sd > 0 ? diff > c * sd : diff > 0) above++;
        else if (sd > 0 ? -diff > c * sd : diff < 0) below++;
      }
      return [1 + above, n - below] as const;
    };
    const [ml, mh] = set(cj);
    const [sl, sh] = set(cAll);
    return { rank: rankOf[j]!, marginalLow: ml, marginalHigh: mh, simultaneousLow: sl, simultaneousHigh: sh };
  });
}

/** σ_jk = √(Σ_jj + Σ_kk − 2Σ_jk). */
function pairSe(S: number[][]): number[][] {
  return S.map((row, j) => row.map((_, k) => Math.sqrt(Math.max(0, S[j]![j]! + S[k]![k]! - 2 * S[j]![k]!))));
}

/** Lower-triangular L with L L' = S (S positive semi-definite; zero pivots give zero columns). */
export function cholesky(S: number[][]): number[][] {
  const n = S.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      let s = S[i]![k]!;
      for (let m = 0; m < k; m++) s -= L[i]![m]! * L[k]![m]!;
      if (i === k) L[i]![i] = s > 1e-14 * Math.max(1, Math.abs(S[i]![i]!)) ? Math.sqrt(s) : 0;
      else L[i]![k] = L[k]![k]! > 0 ? s / L[k]![k]! : 0;
    }
  }
  return L;
}

/**
 * Fills z with a draw of N(0, LL'): L's rows times independent normals, or, when L is diagonal
 * (independent estimates: the usual case, townships are strata), each normal times its SD.
 * Normals are drawn in the same order either way, so a seed gives the same draws.
 */
export function correlatedDraw(L: number[][], normal: () => number): (z: Float64Array) => void {
  const n = L.length;
  const diagonal = L.every((row, i) => row.every((v, k) => k === i || v === 0));
  const sd = Float64Array.from(L, (row, i) => row[i]!);
  const e = new Float64Array(n);
  return (z) => {
    for (let i = 0; i < n; i++) e[i] = normal();
    if (diagonal) {
      for (let i = 0; i < n; i++) z[i] = sd[i]! * e[i]!;
      return;
    }
    for (let i = 0; i < n; i++) {
      const row = L[i]!;
      let s = 0;
      for (let k = 0; k <= i; k++) s += row[k]! * e[k]!;
      z[i] = s;
    }
  };
}

/** Standard normal draws from a uniform source (Box–Muller, both values used). */
export function gaussian(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u <= 0) u = random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The empirical quantile (type 1: the smallest value with at least level·n draws at or below it),
 * by selection (Hoare's, on a copy): the value a sort would put at that place, without the sort.
 */
function quantile(values: Float64Array, level: number): number {
  const a = Float64Array.from(values);
  const at = Math.min(a.length - 1, Math.max(0, Math.ceil(level * a.length) - 1));
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (at <= j) hi = j;
    else if (at >= i) lo = i;
    else break;
  }
  return a[at]!;
}
