/** One named linear contrast: a coefficient per estimate (by the estimates' names). */
export type Contrast = Record<string, number>;

export interface ContrastResult {
  names: string[];
  estimate: number[];
  se: number[];
  /** joint covariance of the contrasts, L V L' */
  covariance: number[][];
}

/**
 * General linear contrasts of estimates with their joint covariance, as R's
 * `svycontrast(stat, list(name = c(a = 1, b = -1), ...))`: estimate L θ, covariance L V L',
 * with θ and V from one batch (`surveyEstimates`' estimates and per-domain covariance, or a
 * domain set's estimates and the block-diagonal covariance of independent domains when the
 * caller builds it). Coefficients name estimates; an estimate not named has coefficient 0,
 * a name that is not an estimate is an error (R: the same).
 *
 * @example
 * const { estimates, covariance } = await surveyEstimates(design, [
 *   { kind: "mean", variable: "api00" }, { kind: "mean", variable: "api99" }]);
 * surveyContrast(["api00", "api99"], estimates.map((e) => e[0]!.estimate), covariance[0]!,
 *   { diff: { api00: 1, api99: -1 } });
 */
export function surveyContrast(
  names: string[],
  estimates: number[],
  covariance: number[][],
  contrasts: Record<string, Contrast>,
): ContrastResult {
  if (estimates.length !== names.length || covariance.length !== names.length)
    throw new Error(`contrast: ${names.length} names for ${estimates.length} estimates`);
  const index = new Map(names.map((n, i) => [n, i]));
  const L = Object.entries(contrasts).map(([name, coefs]) => {
    const row = new Array<number>(names.length).fill(0);
    for (const [k, v] of Object.entries(coefs)) {
      const i = index.get(k);
      if (i === undefined)
        throw new Error(`contrast "${name}" names "${k}", which is not an estimate (${names.join(", ")})`);
      if (!Number.isFinite(v))
        throw new Error(`contrast "${name}": the coefficient of "${k}" is not a number`);
      row[i] = v;
    }
    return row;
  });
  const estimate = L.map((row) => row.reduce((s, c, i) => s + c * estimates[i]!, 0));
  const LV = L.map((row) => names.map((_, j) => row.reduce((s, c, i) => s + c * covariance[i]![j]!, 0)));
  const cov = LV.map((lv) => L.map((row) => row.reduce((s, c, j) => s + lv[j]! * c, 0)));
  return {
    names: Object.keys(contrasts),
    estimate,
    se: cov.map((r, i) => Math.sqrt(r[i]!)),
    covariance: cov,
  };
}
