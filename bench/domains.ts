/**
 * `npx tsx bench/domains.ts [path]`: Taylor estimates over many domains on the demo study's raked
 * design, the domain sets of the index_estimates mart (by wave; wave x township; wave x village
 * for the village scores; wave x each breakdown; wave x township x each breakdown), each one
 * batched `surveyEstimates` call; then all eleven sets in one `surveyEstimatesBySets` call (one
 * pass over the rows), checked to agree with the per-set calls (1e-12 relative). The database
 * comes from `bench/lib/demoDomainsDb.ts` (default /tmp/perf.duckdb). `BENCH_ROWS=1000000`
 * estimates on a stand-in of that many respondents instead: the demo rows repeated (same PSUs,
 * cells and domains) in a temporary table. Timings (best of BENCH_REPEAT runs, default 3) on
 * stderr: wall seconds and the process's CPU seconds (all threads, DuckDB's included; steadier
 * than wall time on a shared machine). The last line on stdout is one JSON object.
 */
import {
  type BatchResult,
  type EstimateRequest,
  rake,
  surveyDesign,
  surveyEstimates,
  surveyEstimatesBySets,
} from "../analysis/index.ts";
import { DEMO_STUDY_DIR } from "../cli/context.ts";
import { openDatabase, quoteIdent } from "../db/index.ts";
import { marginsByWave } from "../models/intermediate/int_responses_calibrated.ts";
import { loadStudy } from "../study/index.ts";

const TABLE = "int_scores_wide__mass_org_evaluation";
const RATES = new Set(["awareness", "participation", "satisfaction_pct"]);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 0);

const db = await openDatabase(process.argv[2] ?? "/tmp/perf.duckdb");
let source = TABLE;
if (ROWS > 0) {
  // the demo rows repeated: a stand-in for a large study with the demo's design and domains
  const [count] = await db.query<{ n: number }>(`select count(*)::int as n from ${TABLE}`);
  source = "bench_domains_scaled";
  await db.connection.run(
    `create or replace temp table ${source} as select t.* from ${TABLE} as t, range(${Math.ceil(ROWS / count!.n)}) limit ${ROWS}`,
  );
}
const study = await loadStudy(DEMO_STUDY_DIR);
const waves = (await db.query<{ wave_id: string }>(`select distinct wave_id from ${TABLE} order by 1`)).map(
  (r) => r.wave_id,
);
const scoreKeys = (
  await db.query<{ column_name: string }>(
    `select column_name from duckdb_columns() where table_name = $t and column_name like '%\\_\\_%' escape '\\' and column_name not like 'design\\_%' escape '\\' and column_name not like '\\_\\_%' escape '\\' order by 1`,
    { t: TABLE },
  )
).map((r) => r.column_name);
const requestOf = (key: string): EstimateRequest =>
  RATES.has(key.split("__")[0]!)
    ? { kind: "proportion", condition: `${quoteIdent(key)} = 100`, ci: "logit" }
    : { kind: "mean", variable: key };
const all = scoreKeys.map(requestOf);
const village = scoreKeys.filter((k) => k.endsWith("__village")).map(requestOf);

let started = performance.now();
const base = await surveyDesign(db, {
  source,
  ids: ["design_psu"],
  strata: "design_stratum",
  weights: "base_weight",
  lonelyPsu: study.design.lonely_psu,
});
const design = await rake(base, marginsByWave(study, waves));
const rakeSeconds = (performance.now() - started) / 1000;
say(
  `design + rake: ${rakeSeconds.toFixed(2)} s (${design.calibration?.method === "rake" ? design.calibration.cells.length : 0} cells, ${design.structure.stages[0]!.length} PSUs, ${scoreKeys.length} scores)`,
);

const breakdowns = study.breakdowns;
const sets: { name: string; runs: { by: string[]; requests: EstimateRequest[] }[] }[] = [
  { name: "wave", runs: [{ by: ["wave_id"], requests: all }] },
  { name: "wave x township", runs: [{ by: ["wave_id", "stratum_code"], requests: all }] },
  { name: "wave x village", runs: [{ by: ["wave_id", "psu_code"], requests: village }] },
  { name: "wave x group", runs: breakdowns.map((g) => ({ by: ["wave_id", g], requests: all })) },
  {
    name: "wave x township x group",
    runs: breakdowns.map((g) => ({ by: ["wave_id", "stratum_code", g], requests: all })),
  },
];
const result: Record<string, number> = { rake_s: round(rakeSeconds) };
let total = 0;
let totalCpu = 0;
for (const set of sets) {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let domains = 0;
  for (let rep = 0; rep < REPEAT; rep++) {
    started = performance.now();
    const cpu = process.cpuUsage();
    domains = 0;
    for (const run of set.runs) {
      const out = await surveyEstimates(design, run.requests, { by: run.by, naRm: true });
      domains += out.estimates[0]?.length ?? 0;
    }
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (performance.now() - started) / 1000);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
  }
  total += best;
  totalCpu += bestCpu;
  const key = set.name.replaceAll(" x ", "_x_").replaceAll(" ", "_");
  result[key] = round(best);
  result[`${key}_cpu`] = round(bestCpu);
  say(`${set.name.padEnd(26)} ${best.toFixed(3)} s  cpu ${bestCpu.toFixed(3)} s  (${domains} domains)`);
}
say(`all sets                   ${total.toFixed(3)} s  cpu ${totalCpu.toFixed(3)} s`);

// the same sets in one call, and the per-set calls again to check against (same run, same load)
const runs = sets.flatMap((set) => set.runs);
const groups = [...new Set(runs.map((r) => r.requests))].map((requests) => ({
  requests,
  bySets: runs.filter((r) => r.requests === requests).map((r) => r.by),
}));
let bestBatch = Number.POSITIVE_INFINITY;
let bestBatchCpu = Number.POSITIVE_INFINITY;
let batched: BatchResult[] = [];
for (let rep = 0; rep < REPEAT; rep++) {
  started = performance.now();
  const cpu = process.cpuUsage();
  batched = [];
  for (const g of groups)
    batched.push(...(await surveyEstimatesBySets(design, g.requests, g.bySets, { naRm: true })));
  const used = process.cpuUsage(cpu);
  bestBatch = Math.min(bestBatch, (performance.now() - started) / 1000);
  bestBatchCpu = Math.min(bestBatchCpu, (used.user + used.system) / 1e6);
}
say(
  `all sets, by-sets batch     ${bestBatch.toFixed(3)} s  cpu ${bestBatchCpu.toFixed(3)} s  (${groups.length} calls)`,
);
let worst = 0;
const order = groups.flatMap((g) => g.bySets.map((by) => ({ by, requests: g.requests })));
for (const [i, run] of order.entries()) {
  const one = await surveyEstimates(design, run.requests, { by: run.by, naRm: true });
  const two = batched[i]!;
  if (one.estimates[0]!.length !== two.estimates[0]!.length)
    throw new Error(`${run.by}: domain counts differ`);
  for (const [k, es] of one.estimates.entries()) {
    for (const [d, e] of es.entries()) {
      const f = two.estimates[k]![d]!;
      if (JSON.stringify(e.by) !== JSON.stringify(f.by)) throw new Error(`${run.by}: domains differ`);
      for (const key of ["estimate", "se", "ciLow", "ciHigh", "nEff"] as const) {
        const a = e[key];
        const b = f[key];
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        // relative to the estimate's scale too: an SE that is zero in exact arithmetic (a
        // domain that is a calibration cell) is rounding noise of either summation order
        const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Math.abs(e.estimate), 1e-300);
        if (rel > 1e-12 && process.env.BENCH_VERBOSE) say(`${run.by} ${k} ${d} ${key}: ${a} vs ${b}`);
        worst = Math.max(worst, rel);
      }
    }
  }
}
say(`by-sets batch vs per set: worst relative difference ${worst.toExponential(2)}`);
if (!(worst <= 1e-12)) process.exitCode = 1;
console.log(
  JSON.stringify({
    bench: "domains",
    rows: design.rows,
    ...result,
    all_s: round(total),
    all_cpu_s: round(totalCpu),
    by_sets_s: round(bestBatch),
    by_sets_cpu_s: round(bestBatchCpu),
    by_sets_worst_rel_diff: worst,
  }),
);

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
