import { pnorm } from "../distributions/pnorm.ts";
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

/** E[sin²(clamp(θ, 0, π/2))] for θ ~ N(μ, σ²): the mean of a proportion whose arcsine-scale value is normal (mass beyond π/2 counts as 1). */
export function arcsinMean(mu: number, variance: number): number {
  if (!(variance > 0)) return Math.sin(Math.min(Math.max(mu, 0), Math.PI / 2)) ** 2;
  const sd = Math.sqrt(variance);
  const inside = arcsinBackTransform(mu, variance);
  if (mu + 12 * sd < Math.PI / 2) return inside;
  return inside + pnorm((Math.PI / 2 - mu) / sd, false);
}
