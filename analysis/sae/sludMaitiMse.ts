import { Matrix } from "ml-matrix";
import { quadraticForm } from "./glsPieces.ts";
import type { FhFit } from "./types.ts";

/**
 * MSE of the Slud–Maiti back-transformed EBLUP of a log-transformed Fay–Herriot model
 * (Slud and Maiti 2006), term by term as R emdi's `slud_maiti` (emdi 2.2.2 `R/mse.R`): the fit is
 * on the log scale; in-sample areas only (null elsewhere). Var(σ̂²ᵤ) is the inverse Fisher
 * information 2 / Σ 1/(σ²ᵤ + ψⱼ)², whatever the method.
 */
export function sludMaitiMse(fit: FhFit): (number | null)[] {
  const a = fit.sigma2u;
  const q = new Matrix(fit.betaVcov);
  const rows: number[] = [];
  fit.sampled.forEach((s, i) => {
    if (s) rows.push(i);
  });
  let sumInvTau2 = 0;
  let sumTmp = 0;
  const h: number[] = [];
  for (const i of rows) {
    const tau = a + fit.vardir[i]!;
    sumInvTau2 += 1 / tau ** 2;
    const hi = quadraticForm(q, fit.x[i]!);
    h[i] = hi;
    sumTmp += hi / tau ** 2;
  }
  const varSigma = 1 / (0.5 * sumInvTau2);
  const out: (number | null)[] = new Array(fit.sampled.length).fill(null);
  for (const i of rows) {
    const psi = fit.vardir[i]!;
    const tau = a + psi;
    const gamma = fit.gamma[i]!;
    const nu = fit.synthetic[i]!;
    const hh = h[i]!;
    const e = Math.exp(-gamma * psi);
    const r2 = psi ** 2 / tau ** 2;
    out[i] =
      Math.exp(2 * (nu + a)) * (1 - e) +
      r2 * Math.exp(2 * nu + a * (1 + gamma)) * hh +
      varSigma * r2 * Math.exp(2 * nu + a * (1 + gamma)) * (0.25 * (1 + 3 * gamma) ** 2 + 1 / tau) -
      Math.exp(2 * (nu + a)) *
        (2 * (1 - e) * hh -
          varSigma * (2 + (r2 - 2) * e) * sumTmp +
          varSigma * (2 + (2 * r2 - 2) * e - (psi ** 2 / tau ** 3) * e * (1 + psi ** 2 / (2 * tau))));
  }
  return out;
}
