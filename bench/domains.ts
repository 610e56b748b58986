/**
 * `npx tsx bench/domains.ts [path]`: Taylor estimates over many domains on the demo study's raked
 * design, the domain sets of the index_estimates mart (by wave; wave x township; wave x village
 * for the village scores; wave x each breakdown; wave x township x each breakdown), each one
 * batched `surveyEstimates` call. The database comes from `bench/lib/demoDomainsDb.ts`
 * (default /tmp/perf.duckdb). Timings (best of BENCH_REPEAT runs, default 3) on stderr: wall
 * seconds and the process's CPU seconds (all threads, DuckDB's included; steadier than wall time
 * on a shared machine). The last line on stdout is one JSON object.
 */
import { type EstimateRequest, rake, surveyDesign, surveyEstimates } from "../analysis/index.ts";
import { DEMO_STUDY_DIR } from "../cli/context.ts";
import { openDatabase, quoteIdent } from "../db/index.ts";
import { marginsByWave } from "../models/intermediate/int_responses_calibrated.ts";
import { loadStudy } from "../study/index.ts";

const TABLE = "int_scores_wide__mass_org_evaluation";
const RATES = new Set(["awareness", "participation", "satisfaction_pct"]);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const db = await openDatabase(process.argv[2] ?? "/tmp/perf.duckdb");
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
  source: TABLE,
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
console.log(JSON.stringify({ bench: "domains", ...result, all_s: round(total), all_cpu_s: round(totalCpu) }));

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
