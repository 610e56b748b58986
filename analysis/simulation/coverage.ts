/**
 * Coverage simulation on the demo population (issues 4 and 15): repeated stratified two-stage
 * samples of about 2000 with nonresponse (the demo generator's sampler), base weights
 * N_h/(m_h·r_i), raking to sex x age group, township and urban/rural, then 95% CIs of every
 * index (awareness, participation, approval, satisfaction and the composite) for every
 * organization, for the district and every township, scored against the generator's truth
 * (`computeTruth`, plain loops over the whole population).
 *
 * The figures are made by the marts' own rule, `reportingIntervals(intervals)`
 * (analysis/reportingIntervals.ts, study.yaml `reporting.intervals`; `--intervals nominal|r`,
 * default the demo study.yaml's): rates (awareness, participation)
 * as 0/100 proportions with the logit interval, means (approval, satisfaction), and the
 * composite (0.2·aw + 0.2·pa + 0.3·ap + 0.3·sa from the joint covariance) with the rule's df.
 *
 * `config` (`--config`) chooses the variance:
 * - "published" (default): exactly what the marts publish, read from the demo's study.yaml
 *   (`publishedConfiguration`: its `design` on the simulated sample's columns, and its
 *   `reporting.intervals`), today Brewer's approximation over both stages (villages, then
 *   respondents, with their inclusion probabilities as fpc, lonely_psu "adjust"), raked, and the
 *   nominal rule (rates: logit on normal quantiles; means: t on the Satterthwaite df;
 *   composite: t on its parts' smallest df); `--df` is ignored here;
 * - "brewer": the sampler's design with Brewer's approximation over both stages (R's
 *   `svydesign(ids = ~village + respondent, fpc = ~pi1 + pi2, pps = "brewer")`, study.yaml
 *   `ids: [village_code, resp_id]`, `pps: brewer`, `fpc: [frame_pps, frame_ssu]`), where the
 *   Satterthwaite df is the effective df of the stage-1 and stage-2 terms;
 * - "brewer-villages": Brewer on the villages alone (fpc = pi1);
 * - "with-replacement": villages as PSUs drawn with replacement, lonely_psu "adjust" (the
 *   design the demo published before, which over-covered: 96–99%).
 * `--df design|inf|satterthwaite` overrides the rule's df in the non-published configurations.
 *
 * Reported per level (district, township) and per index: mean coverage over the units, the
 * worst unit, the share of units outside 90–99%, bias/SE per figure; each unit judged with its
 * own Monte Carlo SE (coverage: √(0.95·0.05/samples); bias/SE: sd(est − truth)/√samples/mean SE);
 * a level's mean coverage with the SE over samples of each sample's share covered
 * (`district_mean_mcse`, `township_mean_mcse`, and per index).
 * The last line is JSON: {"bench":"coverage", samples, district_mean, township_mean,
 * township_min_plus_3mcse, max_abs_bias_minus_3mcse, ... and the same keys per index
 * (`township_mean__satisfaction`, ...)}. Townships with 2 sampled villages are listed apart
 * (`two_village_townships`): with villages as PSUs drawn with replacement their intervals rest
 * on 1 df (the methodology page names them).
 *
 * Run: `npm run sim:coverage [-- --samples 1000 --seed 20240501 --config published --intervals nominal|r
 * --wave 2025]`.
 */
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { sessionOf } from "../../db/Database.ts";
import {
  ASPECTS,
  computeTruth,
  drawSample,
  generatePopulation,
  ORGANIZATIONS,
  orgItems,
} from "../../examples/mass-org-evaluation/generator/index.ts";
import { loadStudy } from "../../study/index.ts";
import { rake } from "../calibration/rake.ts";
import type { Margin } from "../calibration/types.ts";
import { type ReportingIntervalRule, reportingIntervals } from "../reportingIntervals.ts";
import { surveyDesign } from "../surveyDesign.ts";
import { type EstimateRequest, surveyEstimates } from "../surveyEstimates.ts";
import type { Estimate } from "../types.ts";

export const COVERAGE_INDICES = [
  "awareness",
  "participation",
  "approval",
  "satisfaction",
  "composite",
] as const;
export type CoverageIndex = (typeof COVERAGE_INDICES)[number];

/** One published figure (organization x index x unit) over the samples. */
export interface CoverageUnit {
  organization: string;
  index: CoverageIndex;
  level: "district" | "township";
  /** township code ("" for the district) */
  unit: string;
  /** samples in which the unit had an estimate */
  samples: number;
  coverage: number;
  /** Monte Carlo SE of `coverage` at the nominal level: √(0.95·0.05/samples) */
  coverageMcSe: number;
  /** mean(estimate − truth) / mean(SE) */
  biasOverSe: number;
  biasOverSeMcSe: number;
  /** villages sampled in the township (district: all) */
  villages: number;
}

/** Per level and index (or "all"): the summary the issue asks for. */
export interface CoverageRow {
  organization: string;
  index: string;
  level: "district" | "township";
  coverage: number;
  biasOverSe: number;
  biasOverSeMcSe: number;
  cellsOutside: number | null;
  samples: number;
}

export type CoverageConfig = "published" | "brewer" | "brewer-villages" | "with-replacement";
export type CoverageDf = "satterthwaite" | "design" | "inf";
const DFS: CoverageDf[] = ["satterthwaite", "design", "inf"];
/** Kept for callers of the issue-4 options: the variance alone (df defaults to Satterthwaite). */
export type CoverageVariance = Exclude<CoverageConfig, "published">;

type SimDesign = {
  ids: string[];
  fpc?: string[];
  pps?: "brewer";
  lonelyPsu: "fail" | "certainty" | "adjust" | "average" | "remove";
};
const DESIGNS: Record<Exclude<CoverageConfig, "published">, SimDesign> = {
  brewer: { ids: ["village", "r"], fpc: ["pi", "pi2"], pps: "brewer" as const, lonelyPsu: "adjust" as const },
  "brewer-villages": { ids: ["village"], fpc: ["pi"], pps: "brewer" as const, lonelyPsu: "adjust" as const },
  "with-replacement": { ids: ["village"], lonelyPsu: "adjust" as const },
};
/** The demo study.yaml's column names, as the simulated sample names them. */
const SIM_COLUMNS: Record<string, string> = {
  township_code: "township",
  village_code: "village",
  resp_id: "r",
  frame_pps: "pi",
  frame_ssu: "pi2",
};
const DEMO_STUDY = fileURLToPath(new URL("../../examples/mass-org-evaluation", import.meta.url));

/**
 * The "published" configuration: the design and interval rule the demo's study.yaml declares,
 * read from it (so changing the study changes what is scored), on the simulated sample's columns.
 */
export async function publishedConfiguration(
  folder = DEMO_STUDY,
): Promise<{ design: SimDesign; intervals: ReportingIntervalRule }> {
  const definition = await loadStudy(folder);
  const d = definition.design;
  const column = (c: string) => {
    const sim = SIM_COLUMNS[c];
    if (!sim)
      throw new Error(`sim:coverage cannot simulate the design column "${c}" of ${folder}/study.yaml`);
    return sim;
  };
  // as the models: strata and ids default to the frame's stratum and PSU columns
  const strata = d.strata === undefined ? definition.frame.stratum : d.strata;
  if (strata === null || column(strata) !== "township")
    throw new Error(`sim:coverage simulates townships as strata (${folder}/study.yaml has ${strata})`);
  if (definition.calibration.method !== "rake")
    throw new Error(
      `sim:coverage rakes as the demo does (${folder}/study.yaml: ${definition.calibration.method})`,
    );
  return {
    design: {
      ids: (d.ids ?? [definition.frame.psu]).map(column),
      fpc: d.fpc.map(column),
      ...(d.pps ? { pps: d.pps } : {}),
      lonelyPsu: d.lonely_psu,
    },
    intervals: definition.reporting.intervals,
  };
}

/** The composite's weights (seed_composite_weights of the demo, version "2026.1"). */
const COMPOSITE = { awareness: 0.2, participation: 0.2, approval: 0.3, satisfaction: 0.3 } as const;

export async function runCoverage(options: {
  samples: number;
  seed?: number;
  townships?: boolean;
  wave?: "2024" | "2025" | "2026";
  config?: CoverageConfig;
  /** issue 4's name for config (without "published") */
  variance?: CoverageVariance;
  /** index of the first sample (samples are seeded seed·1000 + index); default 0 */
  firstSample?: number;
  /** the marts' interval rule (study.yaml reporting.intervals); default "nominal" */
  intervals?: ReportingIntervalRule;
  /** df of the non-published configurations' intervals; default the rule's */
  df?: CoverageDf;
  onProgress?: (done: number) => void;
  /** every 100 samples, the figures so far (a long run leaves usable partial results) */
  onCheckpoint?: (units: CoverageUnit[], done: number) => void;
}): Promise<CoverageRow[]> {
  const units = await runCoverageUnits(options);
  return summarize(units, options.samples);
}

/** Every figure's coverage and bias over the samples (see the header). */
export async function runCoverageUnits(options: Parameters<typeof runCoverage>[0]): Promise<CoverageUnit[]> {
  return (await runCoverageDetailed(options)).units;
}

/**
 * Per level ("district", "township") and per level and index ("township|satisfaction"): the
 * mean over samples of the share of the level's figures that cover, and its Monte Carlo SE
 * (sd over samples / √samples; the figures of one sample are correlated, so this, not a
 * unit's √(p(1−p)/samples), is the error of a level's mean coverage).
 */
export type LevelCoverage = Record<string, { mean: number; mcSe: number }>;

/** `runCoverageUnits` plus each level's mean coverage with its Monte Carlo SE. */
export async function runCoverageDetailed(
  options: Parameters<typeof runCoverage>[0],
): Promise<{ units: CoverageUnit[]; levels: LevelCoverage }> {
  const perSample = new Map<string, { sum: number; sum2: number; n: number }>();
  const seed = options.seed ?? 20240501;
  const config: CoverageConfig = options.config ?? options.variance ?? "published";
  const published = config === "published" ? await publishedConfiguration() : null;
  const simDesign = published ? published.design : DESIGNS[config as Exclude<CoverageConfig, "published">];
  const rule = reportingIntervals(options.intervals ?? published?.intervals ?? "nominal");
  const df = config === "published" ? rule.df : (options.df ?? rule.df);
  const wave = options.wave ?? "2025";
  const population = generatePopulation(seed);
  const truth = computeTruth(population);
  const people = population.people;
  const margins: Margin[] = [];
  {
    const sexAge = new Map<string, number>();
    const town = new Map<string, number>();
    const urban = new Map<string, number>();
    for (let i = 0; i < population.size; i++) {
      const k = `${people.sex[i]}|${people.ageGroup[i]}`;
      sexAge.set(k, (sexAge.get(k) ?? 0) + 1);
      town.set(String(people.township[i]), (town.get(String(people.township[i])) ?? 0) + 1);
      urban.set(String(people.urbanRural[i]), (urban.get(String(people.urbanRural[i])) ?? 0) + 1);
    }
    margins.push({
      variables: ["sex", "age_group"],
      cells: [...sexAge].map(([k, count]) => ({ levels: k.split("|"), count })),
    });
    margins.push({ variables: ["township"], cells: [...town].map(([k, count]) => ({ levels: [k], count })) });
    margins.push({ variables: ["urban"], cells: [...urban].map(([k, count]) => ({ levels: [k], count })) });
  }
  const orgs = ORGANIZATIONS.map((o) => ({ id: o.id, items: orgItems(o.prefix) }));
  const truthOf = (org: string, index: string, level: string, unit: string) =>
    truth.find(
      (t) =>
        t.wave === wave &&
        t.organization === org &&
        t.index === index &&
        t.level === level &&
        t.unitCode === unit &&
        t.groupVar === "",
    )?.value ?? Number.NaN;
  const townshipCodes = population.townships.map((t) => t.code);
  const levels = options.townships === false ? (["district"] as const) : (["district", "township"] as const);

  type Acc = { cover: number; n: number; err: number; err2: number; se: number; villages: number };
  const acc = new Map<string, Acc>();
  const accOf = (k: string) => {
    let a = acc.get(k);
    if (!a) {
      a = { cover: 0, n: 0, err: 0, err2: 0, se: 0, villages: 0 };
      acc.set(k, a);
    }
    return a;
  };
  const truthCache = new Map<string, number>();
  const truthFor = (org: string, index: string, level: string, unit: string) => {
    const k = `${org}|${index}|${level}|${unit}`;
    let v = truthCache.get(k);
    if (v === undefined) {
      v = truthOf(org, index, level, unit);
      truthCache.set(k, v);
    }
    return v;
  };

  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const session = sessionOf(connection);
  const itemCols = orgs.flatMap((o) => [`aw_${o.id}`, `pa_${o.id}`, `ap_${o.id}`, `sa_${o.id}`]);
  await session.run(
    `create table sim (township integer, village integer, sex integer, age_group integer, urban integer, w double, pi double, r integer, pi2 double, ${itemCols.map((c) => `${c} double`).join(", ")})`,
  );
  const scale = [100, 100, 1, 1];
  const rescale = (x: number) => ((x - 1) / 4) * 100;
  for (let s = 0; s < options.samples; s++) {
    const sample = drawSample(population, wave, seed * 1000 + (options.firstSample ?? 0) + s);
    await session.run("delete from sim");
    const appender = await connection.createAppender("sim");
    const psuOf = new Map(sample.psus.map((p) => [p.village, p]));
    const m = sample.psusPerTownship;
    for (let r = 0; r < sample.person.length; r++) {
      const i = sample.person[r]!;
      const v = people.village[i]!;
      const t = people.township[i]!;
      const psu = psuOf.get(v)!;
      appender.appendInteger(t);
      appender.appendInteger(v);
      appender.appendInteger(people.sex[i]!);
      appender.appendInteger(people.ageGroup[i]!);
      appender.appendInteger(people.urbanRural[i]!);
      appender.appendDouble(population.townships[t]!.population / (m[t]! * psu.responded));
      appender.appendDouble(psu.probability);
      appender.appendInteger(r);
      appender.appendDouble(psu.responded / population.villages[v]!.population);
      for (const o of orgs) {
        appender.appendDouble(sample.items[o.items.awarenessTownship]![r]! === 1 ? 100 : 0);
        appender.appendDouble(sample.items[o.items.participation]![r]! === 1 ? 100 : 0);
        let sum = 0;
        let n = 0;
        for (const a of ASPECTS) {
          const x = sample.items[o.items.approval[a]]![r]!;
          if (x >= 1 && x <= 5) {
            sum += x;
            n++;
          }
        }
        if (n > 0) appender.appendDouble(rescale(sum / n));
        else appender.appendNull();
        const sa = sample.items[o.items.satisfaction]![r]!;
        if (sa >= 1 && sa <= 5) appender.appendDouble(rescale(sa));
        else appender.appendNull();
      }
      appender.endRow();
    }
    appender.closeSync();
    const villagesIn = new Map<number, number>();
    for (const p of sample.psus)
      if (p.responded > 0) villagesIn.set(p.township, (villagesIn.get(p.township) ?? 0) + 1);
    const design = await surveyDesign(session, {
      source: "sim",
      strata: "township",
      weights: "w",
      ...simDesign,
    });
    const raked = await rake(design, margins);
    // as int_index_scores declares them: rates are proportions of 0/100 scores, scales means
    const requests: EstimateRequest[] = orgs.flatMap((o) => [
      rule.request("proportion", `aw_${o.id}`, raked),
      rule.request("proportion", `pa_${o.id}`, raked),
      rule.request("mean", `ap_${o.id}`, raked),
      rule.request("mean", `sa_${o.id}`, raked),
    ]);
    const covered = new Map<string, { cover: number; n: number }>();
    for (const level of levels) {
      const batch = await surveyEstimates(raked, requests, {
        naRm: true,
        df,
        ...(level === "township" ? { by: ["township"] } : {}),
      });
      const domains = batch.estimates[0]!.length;
      for (let d = 0; d < domains; d++) {
        const unit =
          level === "district" ? "" : townshipCodes[batch.estimates[0]![d]!.by!.township as number]!;
        const villages =
          level === "district"
            ? sample.psus.length
            : (villagesIn.get(batch.estimates[0]![d]!.by!.township as number) ?? 0);
        orgs.forEach((o, oi) => {
          const es: Estimate[] = [0, 1, 2, 3].map((j) => batch.estimates[oi * 4 + j]![d]!);
          const figures: [CoverageIndex, number, number, number, number][] = es.map((e, j) => [
            COVERAGE_INDICES[j]!,
            e.estimate * scale[j]!,
            e.se * scale[j]!,
            e.ciLow * scale[j]!,
            e.ciHigh * scale[j]!,
          ]);
          const wts = [
            COMPOSITE.awareness,
            COMPOSITE.participation,
            COMPOSITE.approval,
            COMPOSITE.satisfaction,
          ];
          if (es.every((e) => e.n > 0 && Number.isFinite(e.estimate))) {
            const c = rule.composite(
              es.map((e, j) => ({ weight: wts[j]!, scale: scale[j]!, index: oi * 4 + j, estimate: e })),
              batch.covariance[d]!,
              0.95,
            );
            figures.push(["composite", c.estimate, c.se, c.ciLow, c.ciHigh]);
          }
          for (const [index, est, se, lo, hi] of figures) {
            if (!Number.isFinite(est) || !Number.isFinite(se)) continue;
            const t = truthFor(o.id, index, level, unit);
            if (!Number.isFinite(t)) continue;
            const a = accOf(`${o.id}|${index}|${level}|${unit}`);
            a.n++;
            const inside = lo <= t && t <= hi;
            if (inside) a.cover++;
            for (const k of [level, `${level}|${index}`]) {
              const c = covered.get(k) ?? { cover: 0, n: 0 };
              c.cover += inside ? 1 : 0;
              c.n++;
              covered.set(k, c);
            }
            a.err += est - t;
            a.err2 += (est - t) ** 2;
            a.se += se;
            a.villages = villages;
          }
        });
      }
    }
    for (const [k, c] of covered) {
      const p = perSample.get(k) ?? { sum: 0, sum2: 0, n: 0 };
      const share = c.cover / c.n;
      p.sum += share;
      p.sum2 += share * share;
      p.n++;
      perSample.set(k, p);
    }
    options.onProgress?.(s + 1);
    if ((s + 1) % 100 === 0 && s + 1 < options.samples) options.onCheckpoint?.(unitsOf(acc), s + 1);
  }
  connection.closeSync();
  const levelCoverage: LevelCoverage = {};
  for (const [k, p] of perSample) {
    const mean = p.sum / p.n;
    const variance = p.n > 1 ? Math.max(0, (p.sum2 - p.n * mean * mean) / (p.n - 1)) : Number.NaN;
    levelCoverage[k] = { mean, mcSe: Math.sqrt(variance / p.n) };
  }
  return { units: unitsOf(acc), levels: levelCoverage };
}

function unitsOf(
  acc: Map<string, { cover: number; n: number; err: number; err2: number; se: number; villages: number }>,
): CoverageUnit[] {
  const out: CoverageUnit[] = [];
  for (const [k, a] of acc) {
    const [organization, index, level, unit] = k.split("|") as [
      string,
      CoverageIndex,
      "district" | "township",
      string,
    ];
    if (a.n === 0) continue;
    out.push({
      organization,
      index,
      level,
      unit,
      samples: a.n,
      coverage: a.cover / a.n,
      coverageMcSe: Math.sqrt((0.95 * 0.05) / a.n),
      biasOverSe: a.err / a.se,
      biasOverSeMcSe: mcSe(a, a.n),
      villages: a.villages,
    });
  }
  return out;
}

/** Per level x organization x index: mean coverage over units, share outside 90–99%, mean bias/SE. */
export function summarize(units: CoverageUnit[], samples: number): CoverageRow[] {
  const groups = new Map<string, CoverageUnit[]>();
  for (const u of units) {
    const k = `${u.level}|${u.organization}|${u.index}`;
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  return [...groups].map(([k, us]) => {
    const [level, organization, index] = k.split("|") as ["district" | "township", string, string];
    const mean = (f: (u: CoverageUnit) => number) => us.reduce((a, u) => a + f(u), 0) / us.length;
    return {
      organization,
      index,
      level,
      coverage: mean((u) => u.coverage),
      biasOverSe: mean((u) => u.biasOverSe),
      biasOverSeMcSe: mean((u) => u.biasOverSeMcSe),
      cellsOutside:
        level === "township"
          ? us.filter((u) => u.coverage < 0.9 || u.coverage > 0.99).length / us.length
          : null,
      samples,
    };
  });
}

/** The issue's scores over a set of units (one index, or all). */
export function coverageScores(units: CoverageUnit[]): Record<string, number | string | null> {
  const d = units.filter((u) => u.level === "district");
  const t = units.filter((u) => u.level === "township");
  const mean = (us: CoverageUnit[]) =>
    us.length ? us.reduce((a, u) => a + u.coverage, 0) / us.length : null;
  const worst = t.reduce<CoverageUnit | null>(
    (w, u) => (w === null || u.coverage + 3 * u.coverageMcSe < w.coverage + 3 * w.coverageMcSe ? u : w),
    null,
  );
  const bias = units.reduce(
    (m, u) => Math.max(m, Math.abs(u.biasOverSe) - 3 * u.biasOverSeMcSe),
    Number.NEGATIVE_INFINITY,
  );
  return {
    district_mean: mean(d),
    township_mean: mean(t),
    township_min_plus_3mcse: worst ? worst.coverage + 3 * worst.coverageMcSe : null,
    worst_township: worst ? `${worst.organization}/${worst.unit} (${worst.villages} villages)` : null,
    township_share_outside_90_99: t.length
      ? t.filter((u) => u.coverage < 0.9 || u.coverage > 0.99).length / t.length
      : null,
    max_abs_bias_minus_3mcse: Number.isFinite(bias) ? bias : null,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const text = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const samples = arg("--samples", 1000);
  const config = (text("--config") ?? text("--variance") ?? "published") as CoverageConfig;
  if (config !== "published" && !(config in DESIGNS))
    throw new Error(`--config: one of published, ${Object.keys(DESIGNS).join(", ")}`);
  const df = (args.includes("--df-inf") ? "inf" : text("--df")) as CoverageDf | undefined;
  if (df !== undefined && !DFS.includes(df)) throw new Error(`--df: one of ${DFS.join(", ")}`);
  const intervals = (text("--intervals") ??
    (config === "published"
      ? (await publishedConfiguration()).intervals
      : "nominal")) as ReportingIntervalRule;
  reportingIntervals(intervals);
  const wave = (text("--wave") ?? "2025") as "2024" | "2025" | "2026";
  const t0 = performance.now();
  const { units, levels } = await runCoverageDetailed({
    samples,
    seed: arg("--seed", 20240501),
    townships: true,
    config,
    df,
    intervals,
    wave,
    firstSample: arg("--first-sample", 0),
    onProgress: (d) => {
      if (d % 50 === 0) process.stderr.write(`${d}/${samples} samples\n`);
    },
    onCheckpoint: (us, done) =>
      process.stderr.write(`${JSON.stringify({ checkpoint: done, ...coverageScores(us) })}\n`),
  });
  const pct = (v: number | null) => (v === null ? "   -  " : `${(100 * v).toFixed(1)}%`);
  console.log(
    `coverage of 95% intervals, config ${config}, intervals ${intervals}${config === "published" || df === undefined ? "" : ` (df ${df})`}, wave ${wave}, ${samples} samples`,
  );
  console.log(`unit coverage MC SE ${pct(Math.sqrt((0.95 * 0.05) / samples))}`);
  console.log(
    "level     index           mean cov (MC SE)  worst unit (+3 MC SE)              outside 90-99%  max |bias/SE| - 3 MC SE",
  );
  for (const level of ["district", "township"] as const) {
    for (const index of COVERAGE_INDICES) {
      const us = units.filter((u) => u.level === level && u.index === index);
      const sc = coverageScores(us);
      const worst = us.reduce(
        (w, u) => (u.coverage + 3 * u.coverageMcSe < w.coverage + 3 * w.coverageMcSe ? u : w),
        us[0]!,
      );
      console.log(
        `${level.padEnd(10)}${index.padEnd(16)}${pct(us.reduce((a, u) => a + u.coverage, 0) / us.length).padStart(8)} (${((levels[`${level}|${index}`]?.mcSe ?? Number.NaN) * 100).toFixed(2)}%)  ${`${worst.organization}/${worst.unit || "district"} ${pct(worst.coverage)} (+3 MC SE ${pct(worst.coverage + 3 * worst.coverageMcSe)})`.padEnd(40)}${level === "township" ? pct(sc.township_share_outside_90_99 as number).padStart(8) : "        "}  ${(sc.max_abs_bias_minus_3mcse as number).toFixed(3)}`,
      );
    }
  }
  const two = units.filter((u) => u.level === "township" && u.villages <= 2);
  const twoTowns = [...new Set(two.map((u) => u.unit))];
  console.log(
    `townships with at most 2 responding villages (in the last sample): ${twoTowns.join(", ") || "none"}; their mean coverage ${pct(two.length ? two.reduce((a, u) => a + u.coverage, 0) / two.length : null)}`,
  );
  const json: Record<string, unknown> = {
    bench: "coverage",
    samples,
    config,
    intervals,
    ...(config !== "published" && df !== undefined ? { df } : {}),
    wave,
    ...coverageScores(units),
  };
  for (const level of ["district", "township"]) json[`${level}_mean_mcse`] = levels[level]?.mcSe ?? null;
  for (const index of COVERAGE_INDICES) {
    for (const [k, v] of Object.entries(coverageScores(units.filter((u) => u.index === index))))
      json[`${k}__${index}`] = v;
    for (const level of ["district", "township"])
      json[`${level}_mean_mcse__${index}`] = levels[`${level}|${index}`]?.mcSe ?? null;
  }
  json.two_village_townships = twoTowns;
  json.seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify(json));
}

/** sd(estimate − truth) / √samples / mean(SE): how far biasOverSe moves from one set of samples to the next. */
function mcSe(h: { err: number; err2: number; se: number }, samples: number): number {
  const mean = h.err / samples;
  const sd = Math.sqrt(Math.max(0, h.err2 / samples - mean * mean) * (samples / (samples - 1)));
  return sd / Math.sqrt(samples) / (h.se / samples);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
