import type { DuckDBValue } from "@duckdb/node-api";
import type { Session } from "../db/Database.ts";

/** How a stratum with a single PSU enters the variance (R's `options(survey.lonely.psu)`). */
export type LonelyPsu = "fail" | "certainty" | "adjust" | "average" | "remove";

/** A sampling design in R `svydesign` terms. Column names are used as written. */
export interface DesignSpec {
  /** A table or view name (quoted here), or a parenthesised subquery built by the caller. */
  source: string;
  /** Cluster columns per stage, outermost first; `[]` or `["1"]` means no clusters. */
  ids: string[];
  strata?: string | null;
  weights?: string | null;
  probs?: string | null;
  /** Per stage: all values <= 1 are sampling fractions, all >= 1 population sizes. */
  fpc?: string[];
  nest?: boolean;
  lonelyPsu?: LonelyPsu;
  /**
   * Units drawn with probability proportional to size without replacement, as R's
   * `svydesign(..., fpc = <inclusion probabilities>, pps = "brewer")`: `fpc` then holds each
   * unit's inclusion probability at its stage (all <= 1; constant within a unit, free to vary
   * between the units of a stratum), and the variance uses Brewer's approximation.
   */
  pps?: "brewer" | null;
  /**
   * R's `options(survey.adjust.domain.lonely = TRUE)`: a stratum in which a domain has rows in
   * only one of its PSUs is treated by `lonelyPsu` ("adjust": its total is not centred;
   * "average": left out, the other strata scaled up). Default false (R's default: such a
   * stratum is centred on its zero-padded mean).
   */
  adjustDomainLonely?: boolean;
}

/** One stage-`s` sampling unit, as seen by the variance. */
export interface Unit {
  /** index of the parent unit at the previous stage (the stratum index at stage 1) */
  parent: number;
  /** number of sampled units in the parent (stratum or unit) */
  n: number;
  /** population size of the parent at this stage (Infinity without fpc); with pps n/π of this unit */
  N: number;
}

/** The sampling structure the variance needs: strata and the units of every stage used. */
export interface DesignStructure {
  strata: string[];
  /** key of each stratum (JSON of its value) -> index */
  strataIndex: Map<string, number>;
  /** stages[0] are PSUs (parent = stratum), stages[1] SSUs (parent = PSU), ... */
  stages: Unit[][];
  /** key of each unit at each stage (JSON of its id values) -> index */
  keys: Map<string, number>[];
  /** PSUs per stratum */
  psusPerStratum: number[];
  /** stage-1 population size per stratum (Infinity without fpc; NaN with pps: it is per PSU) */
  strataN: number[];
  /**
   * PPS without replacement (Brewer): each unit has its own finite-population factor
   * f = (N − n)/N = 1 − π, N its `Unit.N` (n/π) and n its parent's sample size.
   */
  pps: boolean;
  /**
   * With pps, per stage s: Σ f and max f over the units of each parent (index 0: per stratum;
   * s >= 1: per unit of stage s−1), every unit counted whether a domain has rows in it or not.
   */
  fSum: Float64Array[];
  fMax: Float64Array[];
  /** strata with one PSU and a sampling fraction < 1 */
  lonelyStrata: number[];
}

/** A calibration step the variance must undo (R's `design$postStrata`). */
export type Calibration =
  | {
      method: "poststratify" | "rake";
      variables: string[];
      /** the cells of the cross-classification, in `__bm_cell` order */
      cells: string[][];
      /** margins: for each margin, the variables' positions in `variables` and each cell's level index */
      margins: { variables: string[]; levelOfCell: Int32Array; levels: string[][] }[];
      /** final factor per cell (weights = previous weights * factor) */
      factor: Float64Array;
      /** raking: per margin, factor per cell after that margin's step in the last pass */
      stepFactor: Float64Array[];
      iterations: number;
      worstError: number;
    }
  | {
      method: "linear";
      /** SQL expressions of the calibration variables, in `__bm_x<k>` order */
      columns: string[];
      names: string[];
      lambda: number[];
      /** X' W_prev X */
      gram: number[][];
    };

export interface TaylorDesign {
  readonly kind: "taylor";
  readonly session: Session;
  readonly spec: Readonly<Required<Omit<DesignSpec, "weights" | "probs" | "strata" | "pps">>> & {
    strata: string | null;
    weights: string | null;
    probs: string | null;
    pps: "brewer" | null;
  };
  /** SQL text of a relation with the source columns plus `__bm_w` (final weight) and design keys */
  readonly relation: string;
  readonly params: Record<string, DuckDBValue>;
  /** SQL expressions (over `relation`) of the stratum and of the unit ids of each stage used */
  readonly stratumExpr: string;
  readonly unitExprs: string[];
  /** number of stages that enter the variance (1 without fpc; all with an fpc per stage) */
  readonly varianceStages: number;
  readonly structure: DesignStructure;
  readonly rows: number;
  readonly calibration: Calibration | null;
  /** true once calibrated: domains keep zero-weight rows (R's `[.survey.design2` on calibrated designs) */
  readonly calibrated: boolean;
  readonly steps: string[];
}

export type ReplicateType = "JK1" | "JKn" | "bootstrap" | "subbootstrap" | "other";

export interface ReplicateDesign {
  readonly kind: "replicate";
  readonly session: Session;
  readonly relation: string;
  readonly params: Record<string, DuckDBValue>;
  readonly type: ReplicateType;
  readonly scale: number;
  readonly rscales: number[];
  readonly mse: boolean;
  readonly replicates: number;
  readonly degf: number;
  /** Either full replicate weight columns, or PSU-level factors on the parent design. */
  readonly repweights:
    | { kind: "columns"; columns: string[] }
    | { kind: "factors"; parent: TaylorDesign; factors: Float64Array[] /* [replicate][psu] */ };
  readonly rows: number;
}

export type SurveyDesign = TaylorDesign | ReplicateDesign;

export interface EstimateOptions {
  by?: string[];
  naRm?: boolean;
  level?: number;
  /**
   * Degrees of freedom of the CI: a number, `"design"` (degf of the domain: PSUs minus strata
   * with rows in it, R's), `"inf"` (normal) or `"satterthwaite"`. The defaults are R's (t on
   * degf for proportions' intervals, normal otherwise).
   *
   * `"satterthwaite"` is NOT an R survey option (R has none): a Satterthwaite (1946) effective df
   * per domain and per estimate, (v1 + v2)² / (Σ_h v1h²/(m_h − 1) + Σ_i v2i²/(n_i − 1)), with
   * v1h stratum h's stage-1 term (m_h PSUs with rows in the domain) and v2i PSU i's stage-2
   * (within) term (n_i stage-2 units in the domain), taken from the same terms, after
   * calibration, that the SE is the sum of (see `DfTerms`, `satterthwaiteDf`), clamped to
   * [1, design's finest-stage units − strata]. Why: in a two-stage design with a stage-2 fpc
   * (or Brewer over both stages) much of the variance can be the within-PSU term, which has far
   * more df than PSUs − strata, so t on degf over-covers with few PSUs per domain while normal
   * intervals under-cover (Valliant & Rust 2010, "Degrees of freedom approximations and
   * rules-of-thumb", J. Official Statistics 26(4)). It applies only when the variance has a
   * stage-2 term; for one-stage / ultimate-cluster variances and for replicate designs it is
   * exactly `"design"` (degf) but at least 1 (a domain in one PSU has degf 0, where "design"
   * gives no interval), so it is never worse than "design" there.
   */
  df?: number | "design" | "inf" | "satterthwaite";
  /**
   * Only the domains whose `column` (a column of every domain set) holds one of `values`, e.g.
   * the waves an upload changed: each comes out as in the call without `only` (the design, its
   * strata and calibration stay whole; a domain's variance never reads another domain's rows).
   * On a clustered Taylor design the rows of the other domains are not summed either, unless the
   * calibration's correction needs design-level sums (no tabulated operator).
   */
  only?: { column: string; values: (string | number)[] };
  /**
   * Per request, the block it belongs to: only the covariances within a block are computed (a
   * composite's parts), those between blocks come out NaN, and the k×k work per unit shrinks to
   * the blocks' sizes squared. A block's requests must be adjacent. Variances, estimates and
   * intervals are the same as without it. Ignored on replicate designs (full covariance).
   */
  covarianceBlocks?: (string | number)[];
}

export interface Estimate {
  by: Record<string, string | number | null> | null;
  estimate: number;
  se: number;
  ciLow: number;
  ciHigh: number;
  /** Infinity for a normal interval */
  df: number;
  deff: number | null;
  n: number;
  nEff: number;
}
