import { pnorm } from "./distributions/pnorm.ts";
import { qnorm } from "./distributions/qnorm.ts";
import { estimate } from "./estimate.ts";
import { estimateItems } from "./linearize/estimateItems.ts";
import { col } from "./sql.ts";
import type { EstimateOptions, SurveyDesign } from "./types.ts";

export interface Comparison {
  a: number;
  b: number;
  /** b − a */
  difference: number;
  se: number;
  /** two-sided, normal reference */
  pValue: number;
  ciLow: number;
  ciHigh: number;
  /** how the covariance was treated */
  note: string;
}

function fromParts(
  a: number,
  b: number,
  va: number,
  vb: number,
  cov: number,
  level: number,
  note: string,
): Comparison {
  const difference = b - a;
  const se = Math.sqrt(Math.max(0, va + vb - 2 * cov));
  const z = qnorm(1 - (1 - level) / 2);
  return {
    a,
    b,
    difference,
    se,
    pValue: se > 0 ? 2 * pnorm(-Math.abs(difference / se)) : Number.NaN,
    ciLow: difference - z * se,
    ciHigh: difference + z * se,
    note,
  };
}

/**
 * Difference between two domains of one design (b − a) of the mean of a column, with the SE from
 * the joint linearization covariance (domains share PSUs and strata, so they are not treated as
 * independent; R: `svycontrast(svyby(..., covmat = TRUE), ...)`), a normal CI and p-value.
 *
 * @example
 * const d = await compareDomains(design, "satisfaction_0_100", "urban_rural", "1", "2");
 */
export async function compareDomains(
  design: SurveyDesign,
  variable: string,
  domainColumn: string,
  a: string | number,
  b: string | number,
  options: Pick<EstimateOptions, "naRm" | "level"> = {},
): Promise<Comparison> {
  // two items over the whole design: y·1[domain a] and y·1[domain b], as ratios to their domain sizes
  const dc = col(domainColumn);
  const y = col(variable);
  const items = [a, b].map((_, i) => ({
    kind: "ratio" as const,
    y: `case when ${dc}::varchar = $cmp_${i} then ${y} else 0 end`,
    x: `case when ${dc}::varchar = $cmp_${i} and ${y} is not null then 1 else 0 end`,
    label: `column "${variable}"`,
  }));
  const params = { cmp_0: String(a), cmp_1: String(b) };
  if (design.kind === "taylor") {
    const [d] = await estimateItems(design, items, { naRm: options.naRm, extraParams: params });
    const [ea, eb] = d!.items;
    return fromParts(
      ea!.estimate,
      eb!.estimate,
      ea!.variance,
      eb!.variance,
      d!.covariance[0]![1]!,
      options.level ?? 0.95,
      "joint covariance of the two domains",
    );
  }
  throw new Error("compareDomains needs a Taylor design");
}

/**
 * Difference between two waves (b − a) of the mean of a column, each wave its own design:
 * independent samples, so Var = Var_a + Var_b. If the two designs share PSU ids (a panel of
 * PSUs), the result says so in `note` and still assumes independence: with positively
 * correlated PSU effects that overstates the SE of the change, which readers should be told.
 *
 * @example
 * const change = await compareWaves(design2024, design2025, "awareness_0_100");
 */
export async function compareWaves(
  designA: SurveyDesign,
  designB: SurveyDesign,
  variable: string,
  options: Pick<EstimateOptions, "naRm" | "level"> = {},
): Promise<Comparison> {
  const item = [{ kind: "mean" as const, y: col(variable), label: `column "${variable}"` }];
  const [ra] = await estimate(designA, item, { naRm: options.naRm });
  const [rb] = await estimate(designB, item, { naRm: options.naRm });
  let note = "independent samples";
  if (designA.kind === "taylor" && designB.kind === "taylor") {
    const keysA = designA.structure.keys[0];
    const keysB = designB.structure.keys[0];
    if (keysA && keysB) {
      let shared = 0;
      for (const k of keysB.keys()) if (keysA.has(k)) shared++;
      if (shared > 0)
        note = `independent samples assumed, but ${shared} PSU(s) appear in both waves: the SE ignores their covariance`;
    }
  }
  return fromParts(
    ra!.items[0]!.estimate,
    rb!.items[0]!.estimate,
    ra!.items[0]!.variance,
    rb!.items[0]!.variance,
    0,
    options.level ?? 0.95,
    note,
  );
}

/**
 * Difference (b − a) of two published estimates of independent samples (two waves' releases),
 * from their estimates and standard errors alone: Var = se_a² + se_b², as the `index_scores`
 * mart computes change. For figures already frozen, where the designs are no longer at hand.
 *
 * @example
 * const change = compareIndependentEstimates(61.0, 0.79, 63.1, 0.81); // { difference: 2.1, ... }
 */
export function compareIndependentEstimates(
  a: number,
  seA: number,
  b: number,
  seB: number,
  level = 0.95,
): Comparison {
  return fromParts(a, b, seA * seA, seB * seB, 0, level, "independent samples");
}
