import { qt } from "./distributions/qt.ts";
import type { DomainEstimates } from "./linearize/estimateItems.ts";
import { proportionInterval } from "./proportionInterval.ts";
import type { Estimate, EstimateOptions } from "./types.ts";

export type CiKind = "normal" | "wald" | "logit" | "beta" | "xlogit";

/**
 * Degrees of freedom of a CI: the option, else `fallback` ("design" = the domain's degf).
 * "satterthwaite" (not an R option, see `EstimateOptions.df`) is the estimate's Satterthwaite df
 * when the domain has one (variance with a stage-2 term), else degf, at least 1 as the
 * Satterthwaite df itself (a domain with rows in one PSU has degf 0, and t on 0 df no interval).
 */
export function ciDf(
  option: EstimateOptions["df"],
  fallback: "design" | "inf",
  degf: number,
  satterthwaite?: number,
): number {
  const df = option ?? fallback;
  if (df === "inf") return Number.POSITIVE_INFINITY;
  if (df === "design") return degf;
  if (df === "satterthwaite") return satterthwaite ?? Math.max(1, degf);
  if (!(df > 0)) throw new Error(`df must be positive, "design", "inf" or "satterthwaite" (got ${df})`);
  return df;
}

// domains and items share few distinct df: the quantile (an iterative inversion) once per df
const quantiles = new Map<string, number>();
function tQuantile(level: number, df: number): number {
  const key = `${level}|${df}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    if (quantiles.size >= 10_000) quantiles.clear();
    q = qt(1 - (1 - level) / 2, df);
    quantiles.set(key, q);
  }
  return q;
}

/** Shape one item of every domain as an `Estimate`, with its confidence interval. */
export function toEstimates(
  domains: DomainEstimates[],
  item: number,
  options: EstimateOptions,
  ci: CiKind,
  logitSe?: (d: number) => number,
): Estimate[] {
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`level must be between 0 and 1 (got ${level})`);
  return domains.map((d, di) => {
    const e = d.items[item]!;
    const se = Math.sqrt(e.variance);
    const df = ciDf(options.df, ci === "normal" ? "inf" : "design", d.degf, d.satterthwaiteDf?.[item]);
    const q = tQuantile(level, df);
    let ciLow = e.estimate - q * se;
    let ciHigh = e.estimate + q * se;
    if (ci === "beta" || ci === "xlogit") {
      [ciLow, ciHigh] = proportionInterval(ci, e.estimate, e.variance, df, level, e.n);
    } else if (ci === "logit") {
      const p = e.estimate;
      if (p <= 0 || p >= 1) {
        ciLow = p;
        ciHigh = p;
      } else {
        const l = Math.log(p / (1 - p));
        const s = logitSe ? logitSe(di) : se / (p * (1 - p));
        ciLow = expit(l - q * s);
        ciHigh = expit(l + q * s);
      }
    }
    return {
      by: d.by,
      estimate: e.estimate,
      se,
      ciLow,
      ciHigh,
      df,
      deff: Number.isFinite(e.deff) ? e.deff : null,
      n: e.n,
      nEff: e.nEff,
    };
  });
}

export const expit = (x: number): number => 1 / (1 + Math.exp(-x));
