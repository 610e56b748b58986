import { qnorm } from "../distributions/qnorm.ts";
import { seededRandom } from "../replicates/random.ts";
import { fitMixedModel } from "./fitMixedModel.ts";

export interface RaterData {
  /** The rated unit (a site) of each rating. */
  subject: readonly string[];
  /** Who gave each rating (an assessor). */
  rater: readonly string[];
  y: readonly number[];
}

export interface InterRaterReliability {
  subjectVariance: number;
  raterVariance: number;
  residualVariance: number;
  /**
   * Agreement ICC of a single rating, σ²_subject / (σ²_subject + σ²_rater + σ²_residual):
   * McGraw & Wong's (1996) ICC(A,1) generalised to an incomplete crossed design, from the REML
   * fit of y ~ 1 + (1|subject) + (1|rater) (lme4's `lmer`).
   */
  icc: number;
  ciLow: number;
  ciHigh: number;
  /** How the interval was made, with its replicate count and seed. */
  ciMethod: string;
  /** Whether the rater variance is identified: the subject–rater graph is connected and raters see several subjects. */
  raterIdentified: boolean;
}

/**
 * Inter-rater reliability of ratings in a crossed (possibly incomplete) subjects × raters design:
 * the variance components and the agreement ICC, with a 95% parametric bootstrap percentile
 * interval (Efron & Tibshirani 1993, ch. 13; lme4's `bootMer(type = "parametric")`): data are
 * simulated from the fitted model, refitted, and the 2.5% and 97.5% points of the replicate
 * ICCs taken. Seeded, so the same data give the same interval.
 *
 * Limits: a variance on its boundary (0) makes the percentile interval touch 0; with fewer
 * than ~5 raters the rater variance, and so the ICC, is poorly determined, which the interval
 * shows by its width.
 */
export function intraclassCorrelation(
  data: RaterData,
  options: { replicates?: number; seed?: number; level?: number } = {},
): InterRaterReliability {
  const { replicates = 200, seed = 20180116, level = 0.95 } = options;
  const refit = (y: readonly number[], start?: number[]) =>
    fitMixedModel({
      start,
      tolerance: start ? 1e-6 : undefined,
      variancesOnly: start !== undefined,
      y,
      x: y.map(() => [1]),
      xNames: ["(Intercept)"],
      random: [
        { name: "subject", levels: data.subject },
        { name: "rater", levels: data.rater },
      ],
    });
  const iccOf = (m: ReturnType<typeof refit>) => {
    const [s, r] = m.variances.map((v) => v.variance) as [number, number];
    return s / (s + r + m.residualVariance);
  };
  const m = refit(data.y);
  const [subjectVariance, raterVariance] = m.variances.map((v) => v.variance) as [number, number];
  const random = seededRandom(seed);
  const normal = () => qnorm(Math.min(Math.max(random(), 1e-12), 1 - 1e-12));
  const subjects = [...new Set(data.subject)];
  const raters = [...new Set(data.rater)];
  const mu = (m.fixed[0] as { estimate: number }).estimate;
  const draws: number[] = [];
  // replicates = 0: the point estimate only (a simulation that does not score the interval)
  for (let b = 0; b < replicates; b++) {
    const u = new Map(subjects.map((s) => [s, Math.sqrt(subjectVariance) * normal()]));
    const v = new Map(raters.map((r) => [r, Math.sqrt(raterVariance) * normal()]));
    const y = data.y.map(
      (_, i) =>
        mu +
        (u.get(data.subject[i] as string) as number) +
        (v.get(data.rater[i] as string) as number) +
        Math.sqrt(m.residualVariance) * normal(),
    );
    draws.push(iccOf(refit(y, m.theta)));
  }
  draws.sort((a, b) => a - b);
  const at = (p: number) =>
    draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))] as number;
  return {
    subjectVariance,
    raterVariance,
    residualVariance: m.residualVariance,
    icc: iccOf(m),
    ciLow: at((1 - level) / 2),
    ciHigh: at(1 - (1 - level) / 2),
    ciMethod: `parametric bootstrap, ${replicates} replicates, seed ${seed}`,
    raterIdentified: isConnected(data.subject, data.rater) && raters.length >= 3,
  };
}

/** Whether the bipartite graph of subjects and raters (an edge per rating) is connected. */
export function isConnected(subject: readonly string[], rater: readonly string[]): boolean {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    if (p !== x) {
      p = find(p);
      parent.set(x, p);
    }
    return p;
  };
  subject.forEach((s, i) => {
    const a = find(`s:${s}`);
    const b = find(`r:${rater[i]}`);
    if (a !== b) parent.set(a, b);
  });
  const roots = new Set([...new Set(subject)].map((s) => find(`s:${s}`)));
  for (const r of new Set(rater)) roots.add(find(`r:${r}`));
  return roots.size === 1;
}
