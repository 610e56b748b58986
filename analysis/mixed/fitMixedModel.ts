import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { nelderMead } from "./nelderMead.ts";

/** A grouping factor with a random intercept: one level per row, e.g. the assessor. */
export interface RandomIntercept {
  name: string;
  levels: readonly string[];
}

export interface MixedModelInput {
  /** The response, one value per row. */
  y: readonly number[];
  /** Fixed-effect design, one row per observation (an intercept is a column of ones). */
  x: readonly (readonly number[])[];
  xNames: readonly string[];
  random: readonly RandomIntercept[];
  /** `reml` (the default, as lme4's `lmer`) or `ml`. */
  method?: "reml" | "ml";
  /** Starting relative SDs σ_k / σ (default 1 each), e.g. a previous fit's, for a bootstrap. */
  start?: readonly number[];
  /** Convergence of the relative SDs (default 1e-10; a bootstrap replicate can use 1e-6). */
  tolerance?: number;
  /** Only the variance components (a bootstrap replicate): no inverse, BLUPs or condVar. */
  variancesOnly?: boolean;
}

export interface RandomEffect {
  level: string;
  /** The BLUP of the level's effect (lme4: `ranef`). */
  blup: number;
  /** Its conditional variance given the data and the fixed effects (lme4: `condVar`). */
  condVar: number;
}

export interface MixedModelFit {
  method: "reml" | "ml";
  n: number;
  fixed: { name: string; estimate: number; se: number }[];
  /** Covariance of the fixed effects (lme4: `vcov`). */
  vcovFixed: number[][];
  /** Variance of each random intercept, in the order given, then the residual variance. */
  variances: { name: string; variance: number }[];
  residualVariance: number;
  random: Record<string, RandomEffect[]>;
  /** The relative standard deviations σ_k / σ at the optimum (lme4: `getME(fit, "theta")`). */
  theta: number[];
  /** −2 log likelihood at the optimum (REML criterion for `reml`; lme4: `deviance` / `REMLcrit`). */
  deviance: number;
  converged: boolean;
  /**
   * The prediction error variance of a linear combination of fixed effects and random
   * effects, `kFixed'β + Σ kRandom[name][level]·u`, with the uncertainty of β included
   * (Henderson's mixed model equations; Searle, Casella & McCulloch 1992, ch. 7).
   */
  predictionVariance(kFixed: readonly number[], kRandom?: Record<string, Record<string, number>>): number;
}

/**
 * Fit a linear mixed model with independent random intercepts (crossed or nested factors),
 * y = Xβ + Σ_k Z_k u_k + e, u_k ~ N(0, σ_k² I), e ~ N(0, σ² I), by REML or ML.
 *
 * The criterion is lme4's profiled deviance (Bates, Mächler, Bolker & Walker 2015, "Fitting
 * linear mixed-effects models using lme4", J. Stat. Softw. 67(1), eqs. 34 and 42) over the
 * relative standard deviations θ_k = σ_k / σ, minimised by Nelder–Mead; so estimates,
 * `vcov`, `ranef` and `condVar` agree with `lmer` where both converge (tested against lme4
 * fixtures). A variance on the boundary (θ_k = 0) is allowed and reported as 0.
 *
 * @example fitMixedModel({ y, x: y.map(() => [1]), xNames: ["(Intercept)"],
 *   random: [{ name: "site", levels: sites }, { name: "assessor", levels: assessors }] })
 */
export function fitMixedModel(input: MixedModelInput): MixedModelFit {
  const method = input.method ?? "reml";
  const n = input.y.length;
  const p = input.xNames.length;
  if (input.x.length !== n) throw new Error(`fitMixedModel: ${input.x.length} rows of X for ${n} responses`);
  if (n <= p) throw new Error(`fitMixedModel: ${n} observations for ${p} fixed effects`);
  // Columns of Z: one per level of each factor.
  const factors = input.random.map((r) => {
    if (r.levels.length !== n)
      throw new Error(`fitMixedModel: factor ${r.name} has ${r.levels.length} rows, not ${n}`);
    const names = [...new Set(r.levels)].sort();
    const index = new Map(names.map((l, i) => [l, i]));
    return { name: r.name, names, column: r.levels.map((l) => index.get(l) as number) };
  });
  const offsets: number[] = [];
  let q = 0;
  for (const f of factors) {
    offsets.push(q);
    q += f.names.length;
  }
  // Cross-products, computed once: Z'Z, Z'X, Z'y, X'X, X'y, y'y.
  const ZtZ = Matrix.zeros(q, q);
  const ZtX = Matrix.zeros(q, p);
  const Zty = new Array<number>(q).fill(0);
  const XtX = Matrix.zeros(p, p);
  const Xty = new Array<number>(p).fill(0);
  let yty = 0;
  for (let i = 0; i < n; i++) {
    const xi = input.x[i] as readonly number[];
    const yi = input.y[i] as number;
    if (!Number.isFinite(yi)) throw new Error(`fitMixedModel: response ${i + 1} is not a number`);
    yty += yi * yi;
    const cols = factors.map((f, k) => (offsets[k] as number) + (f.column[i] as number));
    for (const a of cols) {
      Zty[a] = (Zty[a] as number) + yi;
      for (const b of cols) ZtZ.set(a, b, ZtZ.get(a, b) + 1);
      for (let j = 0; j < p; j++) ZtX.set(a, j, ZtX.get(a, j) + (xi[j] as number));
    }
    for (let j = 0; j < p; j++) {
      Xty[j] = (Xty[j] as number) + (xi[j] as number) * yi;
      for (let l = 0; l < p; l++) XtX.set(j, l, XtX.get(j, l) + (xi[j] as number) * (xi[l] as number));
    }
  }
  const lambdaOf = (theta: readonly number[]) => {
    const lambda = new Array<number>(q);
    factors.forEach((f, k) => {
      for (let j = 0; j < f.names.length; j++)
        lambda[(offsets[k] as number) + j] = Math.abs(theta[k] as number);
    });
    return lambda;
  };

  /** Solve the penalised least squares problem at θ: everything the deviance and the fit need. */
  const m = q + p;
  if (!new CholeskyDecomposition(XtX).isPositiveDefinite()) {
    throw new Error(
      `fitMixedModel: the fixed effects (${input.xNames.join(", ")}) are not identified: X is rank deficient`,
    );
  }
  const ZtZf = Float64Array.from(ZtZ.to1DArray());
  const solveAt = (theta: readonly number[]) => {
    const lambda = lambdaOf(theta);
    // A = [Λ'Z'ZΛ + I, Λ'Z'X; X'ZΛ, X'X], row-major, and its Cholesky factor in place. This
    // runs a few hundred times per fit (and per bootstrap replicate), so it works on a flat
    // array; the final inverse uses ml-matrix.
    const A = new Float64Array(m * m);
    for (let a = 0; a < q; a++) {
      const la = lambda[a] as number;
      for (let b = 0; b < q; b++) A[a * m + b] = la * (ZtZf[a * q + b] as number) * (lambda[b] as number);
      A[a * m + a] = (A[a * m + a] as number) + 1;
      for (let j = 0; j < p; j++) {
        const v = la * ZtX.get(a, j);
        A[a * m + q + j] = v;
        A[(q + j) * m + a] = v;
      }
    }
    for (let j = 0; j < p; j++) for (let l = 0; l < p; l++) A[(q + j) * m + q + l] = XtX.get(j, l);
    const rhs = [...Zty.map((z, a) => (lambda[a] as number) * z), ...Xty];
    const L = A.slice();
    for (let j = 0; j < m; j++) {
      let d = L[j * m + j] as number;
      for (let k = 0; k < j; k++) d -= (L[j * m + k] as number) ** 2;
      // Far out in θ the fixed-effects block can lose its last digits (an intercept in the
      // span of Z): such a θ is no optimum, so it gets an infinite deviance.
      if (!(d > 0))
        return { lambda, A, v: [], beta: [], pwrss: Number.NaN, deviance: Number.POSITIVE_INFINITY };
      const root = Math.sqrt(d);
      L[j * m + j] = root;
      for (let i = j + 1; i < m; i++) {
        let s = L[i * m + j] as number;
        for (let k = 0; k < j; k++) s -= (L[i * m + k] as number) * (L[j * m + k] as number);
        L[i * m + j] = s / root;
      }
    }
    const z = new Array<number>(m);
    for (let i = 0; i < m; i++) {
      let s = rhs[i] as number;
      for (let k = 0; k < i; k++) s -= (L[i * m + k] as number) * (z[k] as number);
      z[i] = s / (L[i * m + i] as number);
    }
    const sol = new Array<number>(m);
    for (let i = m - 1; i >= 0; i--) {
      let s = z[i] as number;
      for (let k = i + 1; k < m; k++) s -= (L[k * m + i] as number) * (sol[k] as number);
      sol[i] = s / (L[i * m + i] as number);
    }
    const v = sol.slice(0, q);
    const beta = sol.slice(q);
    // PWRSS = y'y − sol'rhs (the normal equations' identity), kept ≥ 0 against rounding.
    const pwrss = Math.max(yty - sol.reduce((s, x, i) => s + x * (rhs[i] as number), 0), 0);
    // The Cholesky factor of A begins with that of its leading block Λ'Z'ZΛ + I.
    let logDetL = 0;
    let logDetRX = 0;
    for (let i = 0; i < m; i++) {
      const l = 2 * Math.log(L[i * m + i] as number);
      if (i < q) logDetL += l;
      else logDetRX += l;
    }
    const deviance =
      method === "reml"
        ? logDetL + logDetRX + (n - p) * (1 + Math.log((2 * Math.PI * pwrss) / (n - p)))
        : logDetL + n * (1 + Math.log((2 * Math.PI * pwrss) / n));
    return { lambda, A, v, beta, pwrss, deviance };
  };

  const k = factors.length;
  const optimum =
    k === 0
      ? { x: [] as number[], value: solveAt([]).deviance, converged: true }
      : nelderMead((theta) => solveAt(theta).deviance, input.start?.slice() ?? new Array<number>(k).fill(1), {
          step: input.start ? 0.05 : 0.25,
          xTolerance: input.tolerance ?? 1e-10,
          fTolerance: input.tolerance ? input.tolerance * 1e-3 : 1e-14,
        });
  // Nelder–Mead stops within its tolerance; try each variance on its boundary too (lme4's
  // bobyqa is bounded below by 0) and keep the lower deviance.
  let theta = optimum.x.map(Math.abs);
  let best = solveAt(theta);
  for (let j = 0; j < k; j++) {
    // Only a variance that came out small can sit on its boundary.
    if ((theta[j] as number) > 0.05) continue;
    const edge = theta.slice();
    edge[j] = 0;
    // Refit the other variances with this one held at 0.
    const free = theta.map((_, i) => i).filter((i) => i !== j);
    const place = (t: readonly number[]) => {
      const full = new Array<number>(k).fill(0);
      free.forEach((i, f) => {
        full[i] = Math.abs(t[f] as number);
      });
      return full;
    };
    const refit =
      free.length > 0
        ? place(
            nelderMead(
              (t) => solveAt(place(t)).deviance,
              free.map((i) => theta[i] as number),
              { step: 0.25 },
            ).x,
          )
        : edge;
    const at = solveAt(refit);
    // Prefer the boundary unless it is worse: the interior point is then only rounding.
    if (at.deviance <= best.deviance + 1e-9) {
      theta = refit;
      best = at;
    }
  }
  const sigma2 = best.pwrss / (method === "reml" ? n - p : n);
  const variances = factors.map((f, kk) => ({ name: f.name, variance: sigma2 * (theta[kk] as number) ** 2 }));
  if (input.variancesOnly) {
    const unavailable = () => {
      throw new Error("fitMixedModel: fitted with variancesOnly");
    };
    return {
      method,
      n,
      fixed: input.xNames.map((name, j) => ({ name, estimate: best.beta[j] as number, se: Number.NaN })),
      vcovFixed: [],
      variances,
      residualVariance: sigma2,
      random: {},
      theta,
      deviance: best.deviance,
      converged: optimum.converged,
      predictionVariance: unavailable,
    };
  }
  const inverse = new CholeskyDecomposition(
    new Matrix(Array.from({ length: m }, (_, i) => Array.from(best.A.subarray(i * m, i * m + m)))),
  ).solve(Matrix.eye(m));
  const vcovFixed = inverse
    .subMatrix(q, q + p - 1, q, q + p - 1)
    .mul(sigma2)
    .to2DArray();
  const random: Record<string, RandomEffect[]> = {};
  const L11inv =
    q > 0
      ? new CholeskyDecomposition(
          new Matrix(Array.from({ length: q }, (_, i) => Array.from(best.A.subarray(i * m, i * m + q)))),
        ).solve(Matrix.eye(q))
      : Matrix.zeros(0, 0);
  factors.forEach((f, kk) => {
    random[f.name] = f.names.map((level, j) => {
      const a = (offsets[kk] as number) + j;
      const lam = best.lambda[a] as number;
      // condVar as lme4 computes it: σ² Λ (Λ'Z'ZΛ + I)⁻¹ Λ, i.e. given β̂.
      return { level, blup: lam * (best.v[a] as number), condVar: sigma2 * lam * lam * L11inv.get(a, a) };
    });
  });
  return {
    method,
    n,
    fixed: input.xNames.map((name, j) => ({
      name,
      estimate: best.beta[j] as number,
      se: Math.sqrt((vcovFixed[j] as number[])[j] as number),
    })),
    vcovFixed,
    variances,
    residualVariance: sigma2,
    random,
    theta,
    deviance: best.deviance,
    converged: optimum.converged,
    predictionVariance(kFixed, kRandom = {}) {
      const kv = new Array<number>(q + p).fill(0);
      factors.forEach((f, kk) => {
        for (const [level, coef] of Object.entries(kRandom[f.name] ?? {})) {
          const j = f.names.indexOf(level);
          if (j < 0) throw new Error(`predictionVariance: no level ${level} of ${f.name}`);
          const a = (offsets[kk] as number) + j;
          kv[a] = (kv[a] as number) + coef * (best.lambda[a] as number);
        }
      });
      kFixed.forEach((c, j) => {
        kv[q + j] = c;
      });
      let s = 0;
      for (let a = 0; a < q + p; a++)
        for (let b = 0; b < q + p; b++) s += (kv[a] as number) * inverse.get(a, b) * (kv[b] as number);
      return sigma2 * s;
    },
  };
}
