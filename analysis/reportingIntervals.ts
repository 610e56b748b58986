import { qt } from "./distributions/qt.ts";
import { col } from "./sql.ts";
import type { EstimateRequest } from "./surveyEstimates.ts";
import type { Estimate, EstimateOptions, SurveyDesign } from "./types.ts";

/**
 * How the published figures' confidence intervals are made (study.yaml `reporting.intervals`):
 * - `"nominal"` (default): the rule that reached nominal coverage on the demo's design in
 *   `npm run sim:coverage` (1000 samples, docs/coverage-simulation.txt). Means get estimate ±
 *   t·SE on the estimate's Satterthwaite df (`df: "satterthwaite"`, see `EstimateOptions.df`);
 *   a composite gets estimate ± t·SE on the smallest df of its parts that carry its variance.
 *   Rates (proportions) get R's svyciprop logit interval: on a variance with a stage-2 term
 *   (Brewer over both stages, or an fpc at every stage) on normal quantiles
 *   (`svyciprop(method = "logit", df = Inf)`), so a rate counts as ∞ in a composite's df; on a
 *   one-stage (ultimate-cluster) variance on t with the design df, as R's svyciprop (which the
 *   Satterthwaite df is there). On a variance with a stage-2 term the Satterthwaite df is the
 *   effective df of the variance's own terms; on a with-replacement variance it is exactly R's
 *   design df (PSUs − strata in the domain: villages − 1 in a township).
 *   Why t for means: normal intervals on means with 3–9 villages per township under-covered
 *   (92.7% on average, the worst township 81.6%, issue 15), because an SE from a handful of
 *   villages is itself uncertain. Why normal for rates on a two-stage variance: the logit
 *   interval already widens on the side of the bound, and t on the Satterthwaite df on top of
 *   it over-covered (96.3–96.5% over the townships, where normal gave 94.7–94.8%). On a
 *   one-stage variance a rate's SE rests on PSUs − strata df alone (4 enterprises per township
 *   in the needs survey: 3 df), and t on them stays.
 * - `"r"`: R survey's defaults, for showing agreement with R: rates `svyciprop(method =
 *   "logit")` (t on the domain's design df), means `confint(svymean)` (normal), and the
 *   composite `confint(svycontrast)` (normal).
 *
 * The composite's df: the engine keeps each estimate's own variance terms, not the per-unit
 * terms of a linear combination that its own Satterthwaite df would need; the smallest df of
 * its parts is the cautious choice (the heaviest t tail among its parts), over the parts that
 * carry its variance (see `smallestDf`). On a with-replacement
 * variance every part has the design df, so it is that df exactly; on Brewer's variance over
 * both stages the composite's township intervals covered 95.1% in sim:coverage (1000 samples,
 * docs/coverage-simulation.txt).
 *
 * One rule for the marts (models/marts/index_estimates.ts) and the coverage simulation
 * (analysis/simulation/coverage.ts), so what is scored is what is published.
 *
 * @example
 * const rule = reportingIntervals("nominal");
 * const batch = await surveyEstimates(design, [rule.request("proportion", "aware_0_100", design)],
 *   { naRm: true, level: 0.95, df: rule.df });
 */
export function reportingIntervals(rule: ReportingIntervalRule): {
  rule: ReportingIntervalRule;
  /** the df option of the estimates (undefined: R's defaults per kind) */
  df: EstimateOptions["df"];
  /**
   * a score's request: a rate (0/100 column) as a proportion with a logit interval, else a mean;
   * `design`: the design it will be estimated on (whether its variance has a stage-2 term)
   */
  request: (estimator: "proportion" | "mean", column: string, design: SurveyDesign) => EstimateRequest;
  /** a rate's own df (a proportion request's `df`) on `design`: `{ df: "inf" }` or nothing */
  rateDf: (design: SurveyDesign) => { df?: "inf" };
  /** a linear combination of estimates (each with its own scale) and its interval */
  composite: (parts: CompositePart[], covariance: number[][], level: number) => CompositeFigure;
} {
  if (rule !== "nominal" && rule !== "r")
    throw new Error(`reporting intervals: "nominal" or "r" (got ${JSON.stringify(rule)})`);
  const rateDf = (design: SurveyDesign): { df?: "inf" } =>
    rule === "nominal" && hasStageTwoVariance(design) ? { df: "inf" } : {};
  return {
    rule,
    df: rule === "nominal" ? "satterthwaite" : undefined,
    rateDf,
    request: (estimator, column, design) =>
      estimator === "proportion"
        ? { kind: "proportion", condition: `${col(column)} = 100`, ci: "logit", ...rateDf(design) }
        : { kind: "mean", variable: column },
    composite: (parts, covariance, level) => {
      const estimate = parts.reduce((a, p) => a + p.weight * p.scale * p.estimate.estimate, 0);
      let variance = 0;
      for (const a of parts)
        for (const b of parts)
          variance += a.weight * b.weight * a.scale * b.scale * covariance[a.index]![b.index]!;
      const se = Math.sqrt(Math.max(variance, 0));
      const df = rule === "nominal" ? smallestDf(parts, covariance) : Number.POSITIVE_INFINITY;
      const q = qt(1 - (1 - level) / 2, df);
      return { estimate, se, ciLow: estimate - q * se, ciHigh: estimate + q * se, df };
    },
  };
}

export type ReportingIntervalRule = "nominal" | "r";

/**
 * Whether a design's variance has a stage-2 term (R's multistage variance: a later stage enters
 * only under an fpc at every stage above it): a Taylor design with two or more variance stages.
 */
export function hasStageTwoVariance(design: SurveyDesign): boolean {
  return design.kind === "taylor" && design.unitExprs.length >= 2;
}

/**
 * The smallest df of the parts that carry the composite's variance: a part whose share of it is
 * below 1e-9 (a figure whose answers are all alike: its SE is 0 or rounding noise, and a df
 * computed from noise is noise) neither adds to the variance nor sets its df. All parts when
 * none carries any.
 */
function smallestDf(parts: CompositePart[], covariance: number[][]): number {
  const shares = parts.map((p) => (p.weight * p.scale) ** 2 * Math.max(covariance[p.index]![p.index]!, 0));
  const total = shares.reduce((a, b) => a + b, 0);
  const carrying = parts.filter((_, i) => shares[i]! > 1e-9 * total);
  return Math.min(...(carrying.length > 0 ? carrying : parts).map((p) => p.estimate.df));
}

/** One part of a composite: its weight, the scale of its estimate (100 for a proportion), its position in the covariance. */
export interface CompositePart {
  weight: number;
  scale: number;
  index: number;
  estimate: Estimate;
}

export interface CompositeFigure {
  estimate: number;
  se: number;
  ciLow: number;
  ciHigh: number;
  /** Infinity for a normal interval */
  df: number;
}
