import { erfcx, faddeeva, shortExpansion } from "../distributions/faddeeva.ts";
import { integrate } from "./integrate.ts";

/**
 * The bias-corrected back-transformation of an arcsine-square-root estimate, as R emdi's `bc`
 * (Hadam, Wuerz and Kreutzmann 2020; emdi 2.2.2 `arcsin_bc`): ∫₀^{π/2} sin²(x) φ(x; μ, σ²) dx, with
 * μ the EBLUP and σ² = σ²ᵤ(1 − γ) on the arcsine scale. The integral is over [0, π/2] only, as emdi
 * has it. Where the normal puts no mass outside [0, π/2] (μ ± 12σ inside) it is the closed form
 * ½ − ½ e^{−2σ²} cos 2μ; elsewhere numerical integration.
 *
 * @example arcsinBackTransform(0.6, 0.01) // 0.3190…
 */
export function arcsinBackTransform(mu: number, variance: number): number {
  if (!(variance > 0)) return Math.sin(Math.min(Math.max(mu, 0), Math.PI / 2)) ** 2;
  const sd = Math.sqrt(variance);
  if (mu - 12 * sd > 0 && mu + 12 * sd < Math.PI / 2)
    return 0.5 - 0.5 * Math.exp(-2 * variance) * Math.cos(2 * mu);
  const lo = Math.max(0, mu - 40 * sd);
  const hi = Math.min(Math.PI / 2, mu + 40 * sd);
  const c = 1 / (sd * Math.sqrt(2 * Math.PI));
  return integrate((x) => Math.sin(x) ** 2 * c * Math.exp(-0.5 * ((x - mu) / sd) ** 2), lo, hi);
}

/**
 * E[sin²(clamp(θ, 0, π/2))] for θ ~ N(μ, σ²): the mean of a proportion whose arcsine-scale value
 * is normal, mass below 0 counting as 0 and above π/2 as 1. In closed form: E[sin²θ] over the whole
 * line is ½ − ½ e^{−2σ²} cos 2μ; the clamps change it by −E[sin²θ; θ < 0] + E[cos²θ; θ > π/2], two
 * tails of the form E[sin²Z; Z > 0] (`sinSquaredAbove`), which are differences of the Faddeeva
 * function. Exact up to rounding (about 1e-15, checked against adaptive quadrature), with no
 * quadrature: fast enough for every village in every bootstrap replicate.
 */
export function arcsinMean(mu: number, variance: number): number {
  if (!(variance > 0)) return Math.sin(Math.min(Math.max(mu, 0), Math.PI / 2)) ** 2;
  const sd = Math.sqrt(variance);
  const whole = 0.5 - 0.5 * Math.exp(-2 * variance) * Math.cos(2 * mu);
  const mean = whole - sinSquaredAbove(-mu, sd, variance) + sinSquaredAbove(mu - Math.PI / 2, sd, variance);
  return Math.min(Math.max(mean, 0), 1);
}

const W = new Float64Array(2);

/**
 * E[sin²Z; Z > 0] for Z ~ N(m, σ²). With k = −m/σ ≥ 0 it is
 * ¼ e^{−k²/2} (Re w(ik/√2) − Re w((2σ + ik)/√2)): ½P(Z > 0) − ½∫₀^∞ cos 2z φ(z; m, σ) dz, the
 * integral completed to e^{2im − 2σ²} Φ(m/σ + 2iσ) and Φ written with w. For m > 0 it is the whole
 * line's E[sin²Z] less the same tail of −Z. It is 0 where below 1e-17 by the bound
 * E[sin²Z; Z > 0] ≤ E[Z²; Z > 0] = σ²((1 + k²)Φ(−k) − kφ(k)) ≤ σ²φ(k)(2/k³ + 3/k⁵) (Mills' ratio).
 */
function sinSquaredAbove(m: number, sd: number, variance: number): number {
  if (m > 0) return 0.5 - 0.5 * Math.exp(-2 * variance) * Math.cos(2 * m) - sinSquaredAbove(-m, sd, variance);
  const k = -m / sd;
  const tail = Math.exp(-0.5 * k * k);
  if (k > 1) {
    const k2 = 1 / (k * k);
    if (variance * tail * INV_SQRT_2PI * (2 + 3 * k2) * k2 * (k2 * k) < 1e-17) return 0;
  }
  // Past three SDs (with σ ≤ 1: any arcsine-scale variance a model gives) the shorter expansion:
  // its error, times e^{−k²/2}, is below 1e-17 there (against N = 40 over σ in [1e-4, 1], k in
  // [3, 14]: test/analysis/distributions/faddeeva.test.ts; arcsinMean against quadrature in
  // test/analysis/sae/twoLevel.test.ts). Most calls are there: a village's estimate a
  // few SDs inside [0, π/2].
  if (k >= 3 && sd <= 1) {
    shortExpansion.faddeeva((2 * sd) / Math.SQRT2, k / Math.SQRT2, W);
    return 0.25 * tail * (shortExpansion.erfcx(k / Math.SQRT2) - W[0]!);
  }
  faddeeva((2 * sd) / Math.SQRT2, k / Math.SQRT2, W);
  return 0.25 * tail * (erfcx(k / Math.SQRT2) - W[0]!);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
