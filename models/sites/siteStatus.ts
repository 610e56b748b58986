import type { SiteStudyConfig } from "../../study/sites/index.ts";

export type SiteStatus = "good_standing" | "watch" | "exit_review" | "exited";

/** One rule's verdict on a site in a half-year, with the figures it read. */
export interface RuleVerdict {
  rule: "threshold" | "bottom_tier" | "news" | "guard";
  action: "none" | "watch" | "exit_review";
  /** The figures behind the verdict, as the page and the release show them. */
  figures: Record<string, number | string | null>;
}

export interface PeriodFigures {
  period: string;
  ciLow: number;
  ciHigh: number;
  combined: number;
  monthsBelowNewsMinimum: number;
}

type Rules = SiteStudyConfig["exit_rules"][number];

/**
 * The exit mechanism (考核退出机制) applied to one site in one half-year, by the declared rules:
 * - `threshold`: exit review when the combined score's upper limit is below the threshold;
 *   watch when its interval straddles it (lower limit below, upper at or above).
 * - `bottom_tier`: exit review when the upper limit has been below `below` in this and the
 *   `consecutive − 1` half-years before it (assessed half-years in a row); watch when it is
 *   below now but not yet for long enough.
 * - `news`: exit review when fewer than `minimum_per_month` news items were reported in at
 *   least `months` months of the half-year.
 * - `guard`: a site whose interval straddles the threshold is never put on exit review: any
 *   exit review above becomes watch, and the verdict says so.
 * The status is the strongest action left. `history` holds the site's earlier half-years,
 * oldest first, each with its own interval.
 */
export function siteStatus(
  rules: Rules,
  now: PeriodFigures,
  history: readonly PeriodFigures[],
): { status: SiteStatus; verdicts: RuleVerdict[] } {
  const verdicts: RuleVerdict[] = [];
  const straddles = now.ciLow < rules.threshold && now.ciHigh >= rules.threshold;
  verdicts.push({
    rule: "threshold",
    action: now.ciHigh < rules.threshold ? "exit_review" : straddles ? "watch" : "none",
    figures: {
      threshold: rules.threshold,
      ci_low: round(now.ciLow),
      ci_high: round(now.ciHigh),
      confidence: rules.confidence,
    },
  });
  if (rules.bottom_tier) {
    const { below, consecutive } = rules.bottom_tier;
    const recent = [...history.slice(-(consecutive - 1)), now];
    const run = recent.length === consecutive && recent.every((p) => p.ciHigh < below);
    verdicts.push({
      rule: "bottom_tier",
      action: run ? "exit_review" : now.ciHigh < below ? "watch" : "none",
      figures: {
        below,
        consecutive,
        half_years_below: countTrailing(recent, (p) => p.ciHigh < below),
        ci_high: round(now.ciHigh),
      },
    });
  }
  if (rules.news) {
    verdicts.push({
      rule: "news",
      action: now.monthsBelowNewsMinimum >= rules.news.months ? "exit_review" : "none",
      figures: {
        minimum_per_month: rules.news.minimum_per_month,
        months: rules.news.months,
        months_below: now.monthsBelowNewsMinimum,
      },
    });
  }
  if (straddles && verdicts.some((v) => v.action === "exit_review")) {
    for (const v of verdicts) if (v.action === "exit_review") v.action = "watch";
    verdicts.push({
      rule: "guard",
      action: "watch",
      figures: { threshold: rules.threshold, ci_low: round(now.ciLow), ci_high: round(now.ciHigh) },
    });
  }
  const status: SiteStatus = verdicts.some((v) => v.action === "exit_review")
    ? "exit_review"
    : verdicts.some((v) => v.action === "watch")
      ? "watch"
      : "good_standing";
  return { status, verdicts };
}

function countTrailing<T>(xs: readonly T[], ok: (x: T) => boolean): number {
  let n = 0;
  for (let i = xs.length - 1; i >= 0 && ok(xs[i] as T); i--) n++;
  return n;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The version of a versioned setting in force in a half-year: the latest whose from_period is not after it. */
export function versionFor<T extends { from_period: string; version: string }>(
  versions: readonly T[],
  period: string,
): T {
  const applicable = versions
    .filter((v) => v.from_period <= period)
    .sort((a, b) => a.from_period.localeCompare(b.from_period));
  const found = applicable[applicable.length - 1];
  if (!found)
    throw new Error(
      `no version applies to half-year ${period} (the first starts ${versions[0]?.from_period})`,
    );
  return found;
}
