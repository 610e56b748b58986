import { createHash } from "node:crypto";
import {
  type BatchResult,
  type Estimate,
  type EstimateRequest,
  reportingIntervals,
  surveyEstimatesBySets,
  type TaylorDesign,
} from "../../analysis/index.ts";
import { quoteIdent, type Session, timeSlicer } from "../../db/index.ts";
import { type Study, stageTwoVariance } from "../../study/index.ts";
import { methodologyVersion } from "../releases/methodologyVersion.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { alsoForget } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";
import { CALIBRATED_DESIGN } from "./int_responses_calibrated.ts";
import { SCORE_CATALOG_SQL, scoreColumns } from "./int_scores_wide.ts";

/**
 * The two parts of the index figures, each a model: `units` (int_unit_estimates: the district,
 * every township, villages with enough respondents), which the small-area models need and so
 * start after, and `breakdowns` (index_estimates: one-way demographic groups at district and
 * township level, with int_unit_estimates' rows beside them).
 */
export type EstimatePart = "units" | "breakdowns";

/** What both parts read: each part's model depends on these. */
export const ESTIMATE_INPUTS = [
  "int_responses_base_weighted",
  "int_responses_calibrated",
  "int_scores_wide",
  "seed_index_items",
  "seed_breakdowns",
  "seed_composite_weights",
  "seed_indicators",
  "seed_organizations",
  "seed_units",
];

interface Score {
  score_key: string;
  index_id: string;
  organization_id: string;
  level: string;
  aspect: string;
  /** Rates are estimated as proportions (logit intervals, as R's svyciprop); scales as means. */
  estimator: "proportion" | "mean";
}

type Row = {
  wave_id: string;
  organization_id: string;
  index_id: string;
  aspect: string;
  org_level: string;
  unit_level: string;
  unit_code: string;
  group_var: string;
  group_value: string;
  estimate_0_100: number;
  se_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  df: number | null;
  deff: number | null;
  n: number;
  n_eff: number;
  interval_note: string;
};

/**
 * `interval_note` of a figure whose domain lies in a stratum with only 2 responding PSUs, on a
 * one-stage (ultimate-cluster) variance: its SE rests on 1 degree of freedom (t on 1 df: nearly
 * 0-100; normal: far too narrow), and no interval rule makes it cover 95% with this design. Not
 * set on a variance with a stage-2 term (Brewer over both stages), whose Satterthwaite df
 * counts the within-PSU terms too.
 */
export const TWO_PSUS = "two_psus";

const wavesEstimatedCount: Record<EstimatePart, number> = { units: 0, breakdowns: 0 };
/** Set by `forgetComputed`: the next build of each part estimates every wave (benchmarks time the whole work). */
const forgetInputs: Record<EstimatePart, boolean> = { units: false, breakdowns: false };
alsoForget(() => {
  forgetInputs.units = true;
  forgetInputs.breakdowns = true;
});

/** How many waves' figures (of a part: the units' by default) were estimated, not taken from the last run, in this process: for checks. */
export function wavesEstimated(part: EstimatePart = "units"): number {
  return wavesEstimatedCount[part];
}

/**
 * The figures of one part (`EstimatePart`), from the calibrated design by Taylor linearization:
 * each score (index x organization x organization level [x aspect]) for the district, every
 * township and villages with enough respondents (units), or for one-way demographic groups at
 * district and township level (breakdowns), per wave, written to the part's table (`self`). The composite index is the versioned linear combination of the
 * four indices; its SE comes from their joint covariance in the same domain. Intervals follow
 * study.yaml `reporting.intervals` (analysis/reportingIntervals.ts, the rule the coverage
 * simulation scores); `df` is the df each interval used (null: normal).
 *
 * Each wave's figures come from its own rows alone: its strata, PSUs and calibration cells are
 * its own (see marginsByWave), and a domain's variance reads only its rows and the design's
 * structure. So a wave whose input is that of the last run keeps that run's figures, and only
 * the waves an upload changed are estimated. The input: the wave's rows of
 * int_responses_base_weighted (int_scores_wide, which the calibrated design is made of, scores
 * them by the study's rules), the study's definition and this code's version (methodologyVersion);
 * it is kept by wave in the part's `inputsTable` (int_unit_estimates_inputs__<study>,
 * index_estimates_inputs__<study>). Not with lonely_psu "average", whose
 * scaling counts the strata of every wave.
 */
export async function estimateIndexSets(
  { session, study, ref, self, shared }: ModelContext,
  part: EstimatePart,
  /** Beside the part's table, each wave's input when its figures were made (see above). */
  inputsTable: string,
): Promise<void> {
  const design = shared.get(CALIBRATED_DESIGN) as TaylorDesign;
  // what both parts read of the run's models, read once a run (the first part to ask reads it)
  let facts = shared.get(INDEX_FACTS) as Promise<IndexFacts> | undefined;
  if (!facts) {
    facts = indexFacts(session, study, ref);
    shared.set(INDEX_FACTS, facts);
  }
  const { scores, breakdowns, composites, twoPsus, inputs } = await facts;
  const level = study.reporting.confidence_level;
  const intervals = reportingIntervals(study.reporting.intervals);
  const rows: Row[] = [];

  const stored = forgetInputs[part]
    ? new Map<string, string>()
    : await storedInputs(session, ref(inputsTable), self);
  forgetInputs[part] = false;
  const separable = design.spec.lonelyPsu !== "average";
  const kept = [...inputs].filter(([wave, input]) => separable && stored.get(wave) === input).map(([w]) => w);
  const changed = [...inputs.keys()].filter((wave) => !kept.includes(wave));
  wavesEstimatedCount[part] += changed.length;

  const domainSets: { by: string[]; unitLevel: string; group?: string; scores: Score[] }[] =
    part === "units"
      ? [
          { by: ["wave_id"], unitLevel: "district", scores },
          { by: ["wave_id", "stratum_code"], unitLevel: "township", scores },
          {
            by: ["wave_id", "psu_code"],
            unitLevel: "village",
            scores: scores.filter((s) => s.level === "village"),
          },
        ]
      : breakdowns.flatMap((g) => [
          { by: ["wave_id", g], unitLevel: "district", group: g, scores },
          { by: ["wave_id", "stratum_code", g], unitLevel: "township", group: g, scores },
        ]);

  // one pass over the respondents per list of scores, for all the domain sets that use it
  const results = new Map<string[], BatchResult>();
  for (const list of new Set(domainSets.map((set) => set.scores))) {
    if (list.length === 0 || changed.length === 0) continue;
    const requests: EstimateRequest[] = list.map((s) => intervals.request(s.estimator, s.score_key, design));
    const sets = domainSets.filter((set) => set.scores === list);
    const batches = await surveyEstimatesBySets(
      design,
      requests,
      sets.map((set) => set.by),
      {
        naRm: true,
        level,
        df: intervals.df,
        only: { column: "wave_id", values: changed },
        // only a composite's parts (one organization at one level) need their covariance
        covarianceBlocks: list.map((s) => `${s.organization_id}\u0000${s.level}`),
      },
    );
    sets.forEach((set, i) => {
      results.set(set.by, batches[i]!);
    });
  }

  // each composite, per organization and organization level where all its parts are measured
  // (positions of its parts among a list's scores), for the joint covariance of each domain
  const compositeParts = new Map<
    Score[],
    { compositeId: string; org: string; orgLevel: string; parts: { w: { weight: number }; k: number }[] }[]
  >();
  for (const list of new Set(domainSets.map((set) => set.scores))) {
    const places = new Map<string, { org: string; level: string }>();
    for (const s of list)
      places.set(`${s.organization_id}\u0000${s.level}`, { org: s.organization_id, level: s.level });
    const found: {
      compositeId: string;
      org: string;
      orgLevel: string;
      parts: { w: { weight: number }; k: number }[];
    }[] = [];
    for (const [compositeId, weights] of composites) {
      for (const { org, level: orgLevel } of places.values()) {
        const parts = weights.map((w) => ({
          w,
          k: list.findIndex(
            (s) =>
              s.organization_id === org &&
              s.level === orgLevel &&
              s.index_id === w.index_id &&
              s.aspect === "",
          ),
        }));
        if (weights.length > 0 && parts.every((p) => p.k >= 0))
          found.push({ compositeId, org, orgLevel, parts });
      }
    }
    compositeParts.set(list, found);
  }

  const slice = timeSlicer();
  for (const set of domainSets) {
    if (set.scores.length === 0 || !results.has(set.by)) continue;
    const scale = set.scores.map((s) => (s.estimator === "proportion" ? 100 : 1));
    const { estimates, covariance } = results.get(set.by)!;
    const domainCount = estimates[0]?.length ?? 0;
    for (let d = 0; d < domainCount; d++) {
      await slice();
      const by = estimates[0]![d]!.by ?? {};
      if (set.group && (by[set.group] === null || by[set.group] === undefined)) continue;
      const place = {
        wave_id: String(by.wave_id),
        unit_level: set.unitLevel,
        unit_code:
          set.unitLevel === "township"
            ? String(by.stratum_code)
            : set.unitLevel === "village"
              ? String(by.psu_code)
              : "",
        group_var: set.group ?? "",
        group_value: set.group ? String(by[set.group]) : "",
        interval_note:
          set.unitLevel === "township" && twoPsus.has(`${String(by.wave_id)}\u0000${String(by.stratum_code)}`)
            ? TWO_PSUS
            : "",
      };
      set.scores.forEach((s, k) => {
        const e = estimates[k]![d]!;
        if (e.n === 0) return;
        if (set.unitLevel === "village" && e.n < study.reporting.village_min_n) return;
        rows.push(estimateRow(place, s, e, scale[k]!));
      });
      for (const { compositeId, org, orgLevel, parts } of compositeParts.get(set.scores)!) {
        const es = parts.map((p) => estimates[p.k]![d]!);
        if (es.some((e) => e.n === 0 || !Number.isFinite(e.estimate))) continue;
        const c = intervals.composite(
          parts.map((p, i) => ({ weight: p.w.weight, scale: scale[p.k]!, index: p.k, estimate: es[i]! })),
          covariance[d]!,
          level,
        );
        rows.push({
          ...place,
          organization_id: org,
          index_id: compositeId,
          aspect: "",
          org_level: orgLevel,
          estimate_0_100: c.estimate,
          se_0_100: c.se,
          ci_low_0_100: c.ciLow,
          ci_high_0_100: c.ciHigh,
          df: Number.isFinite(c.df) ? c.df : null,
          deff: null,
          n: Math.min(...es.map((e) => e.n)),
          n_eff: Math.min(...es.map((e) => e.nEff)),
        });
      }
    }
  }
  // the kept waves' figures of this part, as the last run wrote them (index_estimates holds the
  // units' rows too, which int_unit_estimates gives it again)
  const keptTable = "__bm_kept_estimates";
  if (kept.length > 0)
    await session.run(
      `create or replace temp table ${keptTable} as select * from ${quoteIdent(self)}
       where wave_id in (${kept.map((_, i) => `$w${i}`).join(", ")}) and (group_var <> '') = $groups`,
      { ...Object.fromEntries(kept.map((w, i) => [`w${i}`, w])), groups: part === "breakdowns" },
    );
  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      organization_id: "varchar",
      index_id: "varchar",
      aspect: "varchar",
      org_level: "varchar",
      unit_level: "varchar",
      unit_code: "varchar",
      group_var: "varchar",
      group_value: "varchar",
      estimate_0_100: "double",
      se_0_100: "double",
      ci_low_0_100: "double",
      ci_high_0_100: "double",
      df: "double",
      deff: "double",
      n: "integer",
      n_eff: "double",
      interval_note: "varchar",
    },
    rows,
  );
  if (kept.length > 0) {
    await session.run(`insert into ${quoteIdent(self)} select * from ${keptTable}`);
    await session.run(`drop table ${keptTable}`);
  }
  await writeRows(
    session,
    ref(inputsTable),
    { wave_id: "varchar", input: "varchar" },
    [...inputs].map(([wave_id, input]) => ({ wave_id, input })),
  );
}

type Place = Pick<
  Row,
  "wave_id" | "unit_level" | "unit_code" | "group_var" | "group_value" | "interval_note"
>;

/** One row of the mart (written out field by field: hundreds of thousands are made per run). */
function estimateRow(place: Place, s: Score, e: Estimate, scale: number): Row {
  return {
    wave_id: place.wave_id,
    organization_id: s.organization_id,
    index_id: s.index_id,
    aspect: s.aspect,
    org_level: s.level,
    unit_level: place.unit_level,
    unit_code: place.unit_code,
    group_var: place.group_var,
    group_value: place.group_value,
    estimate_0_100: e.estimate * scale,
    se_0_100: e.se * scale,
    // a rate of exactly 0 or 100 has no logit interval (R gives NaN); it is withheld downstream
    ci_low_0_100: Number.isFinite(e.ciLow) ? e.ciLow * scale : null,
    ci_high_0_100: Number.isFinite(e.ciHigh) ? e.ciHigh * scale : null,
    df: Number.isFinite(e.df) ? e.df : null,
    deff: e.deff !== null && Number.isFinite(e.deff) ? e.deff : null,
    n: e.n,
    n_eff: e.nEff,
    interval_note: place.interval_note,
  };
}

/** The key of `IndexFacts` in a run's shared objects. */
const INDEX_FACTS = "index_estimates:facts";

/** What both parts of the index figures read of the run's models before estimating. */
interface IndexFacts {
  /** by organization and level: a composite's parts, whose covariance it needs, are adjacent */
  scores: Score[];
  breakdowns: string[];
  composites: Map<string, { index_id: string; weight: number }[]>;
  /**
   * strata (townships) per wave with at most 2 responding PSUs (villages), on a one-stage
   * variance (a later stage counts only under a first-stage fpc, as in R's multistage variance)
   */
  twoPsus: Set<string>;
  /** the waves' inputs (see `waveInputs`) */
  inputs: Map<string, string>;
}

async function indexFacts(
  session: Session,
  study: Study,
  ref: (name: string) => string,
): Promise<IndexFacts> {
  // the scores someone has (int_index_scores' distinct scores, without reading it: one count per
  // score column of int_scores_wide), in the catalog's terms
  const candidates = await scoreColumns(session, ref("int_scores_wide"), ref("seed_index_items"));
  const [counts] = candidates.length
    ? await session.query<Record<string, number | bigint>>(
        `select ${candidates.map((k, i) => `count(${quoteIdent(k.score_key)}) as n${i}`).join(", ")}
         from ${quoteIdent(ref("int_scores_wide"))}`,
      )
    : [];
  const scored = candidates.filter((_, i) => Number(counts?.[`n${i}`] ?? 0) > 0).map((k) => k.score_key);
  const scores = await session.query<Score>(
    `select score_key, index_id, organization_id, level, aspect, estimator
     from (${SCORE_CATALOG_SQL.replaceAll("{{ items }}", quoteIdent(ref("seed_index_items")))})
     where list_contains(string_split($scored, chr(31)), score_key)
     order by organization_id, level, score_key`,
    { scored: scored.join("\u001f") },
  );
  const breakdowns = (
    await session.query<{ variable: string }>(
      `select variable from ${quoteIdent(ref("seed_breakdowns"))} order by position`,
    )
  ).map((r) => r.variable);
  const composites = new Map<string, { index_id: string; weight: number }[]>();
  for (const w of await session.query<{ composite_id: string; index_id: string; weight: number }>(
    `select composite_id, index_id, weight from ${quoteIdent(ref("seed_composite_weights"))} order by composite_id, position`,
  ))
    composites.set(w.composite_id, [...(composites.get(w.composite_id) ?? []), w]);
  const twoPsus = new Set(
    stageTwoVariance(study)
      ? []
      : (
          await session.query<{ wave_id: string; stratum_code: string }>(
            `select wave_id, stratum_code from ${quoteIdent(ref("int_responses_calibrated"))}
             group by wave_id, stratum_code having count(distinct design_psu) <= 2`,
          )
        ).map((r) => `${r.wave_id}\u0000${r.stratum_code}`),
  );
  // the waves whose input changed since the last run (all, the first time)
  const inputs = await waveInputs(session, ref("int_responses_base_weighted"), [
    methodologyVersion(study),
    scores,
    breakdowns,
    [...composites],
  ]);
  return { scores, breakdowns, composites, twoPsus, inputs };
}

/** The inputs the mart's figures were made from, by wave (none when the mart or they are not there). */
async function storedInputs(session: Session, table: string, mart: string): Promise<Map<string, string>> {
  const [found] = await session.query<{ n: number }>(
    `select count(*)::integer as n from duckdb_tables() where schema_name = 'main' and not temporary and table_name in ($1, $2)`,
    [table, mart],
  );
  if (found?.n !== 2) return new Map();
  const rows = await session.query<{ wave_id: string; input: string }>(
    `select wave_id, input from ${quoteIdent(table)}`,
  );
  return new Map(rows.map((r) => [r.wave_id, r.input]));
}

/**
 * Each wave's input, as one key: the wave's rows of the relation (their count, and the sums of
 * two 64-bit hashes of each whole row) with what every wave shares (`common`). A change of
 * DuckDB's hash only makes every wave estimated once more.
 */
async function waveInputs(session: Session, relation: string, common: unknown): Promise<Map<string, string>> {
  const found = await session.query<{ wave_id: string; rows: string }>(
    `select wave_id::varchar as wave_id,
       count(*)::varchar || ':' || sum(hash(r)::hugeint)::varchar || ':'
         || sum(hash(r, 'b')::hugeint)::varchar as rows
     from ${quoteIdent(relation)} as r group by all`,
  );
  const shared = JSON.stringify(common);
  return new Map(
    found.map((f) => [f.wave_id, createHash("sha256").update(shared).update(f.rows).digest("base64")]),
  );
}
