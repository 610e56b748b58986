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

// Positive half of the 24-point Gauss–Legendre rule.
const GL_X = [
  0.06405689286260563, 0.1911188674736163, 0.3150426796961634, 0.4337935076260451, 0.5454214713888396,
  0.6480936519369755, 0.7401241915785544, 0.820001985973903, 0.8864155270044011, 0.9382745520027328,
  0.9747285559713095, 0.9951872199970213,
];
const GL_W = [
  0.12793819534675202, 0.12583745634682825, 0.1216704729278033, 0.11550566805372552, 0.10744427011596556,
  0.09761865210411393, 0.0861901615319532, 0.07334648141108016, 0.05929858491543636, 0.04427743881741941,
  0.02853138862893356, 0.01234122979998869,
];

/**
 * E[sin²(clamp(θ, 0, π/2))] for θ ~ N(μ, σ²): the mean of a proportion whose arcsine-scale value
 * is normal, mass below 0 counting as 0 and above π/2 as 1. Closed form ½ − ½ e^{−2σ²} cos 2μ when
 * μ ± 8σ lies inside [0, π/2]; otherwise 24-point Gauss–Legendre over [0, π/2] ∩ μ ± 8σ (the
 * integrand is smooth there) plus P(θ > π/2). Fast enough for every village in every bootstrap
 * replicate.
 */
export function arcsinMean(mu: number, variance: number): number {
  if (!(variance > 0)) return Math.sin(Math.min(Math.max(mu, 0), Math.PI / 2)) ** 2;
  const sd = Math.sqrt(variance);
  // the mass beyond 8σ (below 1e-15) is left out either way: the quadrature below covers μ ± 8σ
  if (mu - 8 * sd > 0 && mu + 8 * sd < Math.PI / 2)
    return 0.5 - 0.5 * Math.exp(-2 * variance) * Math.cos(2 * mu);
  const lo = Math.max(0, mu - 8 * sd);
  const hi = Math.min(Math.PI / 2, mu + 8 * sd);
  let inside = 0;
  if (hi > lo) {
    const c = 0.5 * (lo + hi);
    const h = 0.5 * (hi - lo);
    const k = 1 / (sd * Math.sqrt(2 * Math.PI));
    // the two nodes ±h·x_j of each weight (no array per node: every village in every replicate)
    for (let j = 0; j < GL_X.length; j++) {
      const d = h * GL_X[j]!;
      const a = c - d;
      const b = c + d;
      const ta = (a - mu) / sd;
      const tb = (b - mu) / sd;
      const sa = Math.sin(a);
      const sb = Math.sin(b);
      inside += GL_W[j]! * (sa * sa * Math.exp(-0.5 * ta * ta) + sb * sb * Math.exp(-0.5 * tb * tb));
    }
    inside *= h * k;
  }
  return inside + pnorm((Math.PI / 2 - mu) / sd, false);
}
