// npm run bench — runs every benchmark, one process each, and writes bench/REPORT.md: the
// machine, the date, each figure beside its baseline measured in the same run, the ratio, and
// whether each target is met. Each benchmark's own output is kept in bench/out/<name>.log.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
mkdirSync(join(ROOT, "bench/out"), { recursive: true });
type Result = Record<string, number | string | null>;
interface Target {
  figure: string;
  baseline?: string;
  ratio?: string;
  check: (r: Result) => boolean;
  text: string;
}

const BENCHES: { name: string; script: string; targets: Target[] }[] = [
  {
    name: "ingest",
    script: "bench/ingest.ts",
    targets: [
      {
        figure: "utf8_s",
        baseline: "native_s",
        ratio: "utf8_ratio",
        check: (r) => Number(r.utf8_ratio) <= 2.0,
        text: "utf8_ratio ≤ 2.0",
      },
      {
        figure: "gbk_s",
        baseline: "native_s",
        ratio: "gbk_ratio",
        check: (r) => Number(r.gbk_ratio) <= 2.5,
        text: "gbk_ratio ≤ 2.5",
      },
      {
        figure: "peak_rss_mb",
        check: (r) => Number(r.peak_rss_mb) < 1024,
        text: "peak RSS < 1 GB (1M rows)",
      },
      {
        figure: "peak_rss_mb_5m",
        check: (r) => Number(r.peak_rss_mb_5m) < 1024,
        text: "peak RSS < 1 GB (5M rows)",
      },
    ],
  },
  {
    name: "estimate",
    script: "bench/estimate.ts",
    targets: [
      { figure: "domains_s", check: (r) => Number(r.domains_s) < 2, text: "domains < 2 s" },
      { figure: "rake_s", check: (r) => Number(r.rake_s) < 1, text: "rake < 1 s" },
      { figure: "replicates_s", check: (r) => Number(r.replicates_s) < 5, text: "replicates < 5 s" },
      {
        figure: "r_s",
        ratio: "r_ratio",
        check: (r) => r.r_ratio === null || Number(r.r_ratio) >= 20,
        text: "R ÷ Barometer ≥ 20 (when R is present)",
      },
    ],
  },
  {
    name: "models",
    script: "bench/models.ts",
    targets: [
      {
        figure: "demo_s",
        check: (r) => Number(r.demo_s) < 5,
        text: "demo run < 5 s (median of 3; every model: small-area estimates, ranks, themes; with the 200 bootstrap replicates issue 16 asks, which the demo study declares)",
      },
      {
        figure: "million_s",
        baseline: "baseline_s",
        ratio: "million_ratio",
        // not run (BENCH_MODELS_MILLION=0): null, not met
        check: (r) => r.million_s !== null && Number(r.million_s) < 30 && Number(r.million_ratio) < 15,
        text: "1M run < 30 s and ratio < 15 (empty: not run, BENCH_MODELS_MILLION=0)",
      },
    ],
  },
  {
    name: "server",
    script: "bench/server.ts",
    targets: [
      {
        figure: "p95_ms",
        baseline: "baseline_p95_ms",
        check: (r) => Number(r.p95_ms) < 50,
        text: "p95 < 50 ms (worst endpoint)",
      },
      { figure: "errors", check: (r) => Number(r.errors) === 0, text: "zero errors" },
    ],
  },
  {
    name: "figures-uploads",
    script: "bench/figuresUnderUploads.ts",
    targets: [
      {
        figure: "p99_ms",
        check: (r) => Number(r.p99_ms) < 100,
        text: "figures p99 < 100 ms at 20 req/s during 4 uploads",
      },
      { figure: "errors", check: (r) => Number(r.errors) === 0, text: "zero errors" },
    ],
  },
];

BENCHES.push({
  name: "cli",
  script: "bench/cliStart.ts",
  targets: [
    {
      figure: "help_s",
      baseline: "help_tsx_s",
      check: (r) => Number(r.help_s) < 0.5,
      text: "barometer --help < 0.5 s (median; node -e 0 and the load average in the log)",
    },
    {
      figure: "sql_s",
      baseline: "sql_tsx_s",
      check: (r) => Number(r.sql_s) < 0.5,
      text: 'barometer sql "select 1" < 0.5 s (median)',
    },
  ],
});
BENCHES.push({
  name: "upload",
  script: "bench/upload.ts",
  targets: [
    {
      figure: "report_s",
      baseline: "wait_figures_s",
      check: (r) => Number(r.report_s) < 2,
      text: "a 2,000-row upload's validation report < 2 s (median of 5; baseline: the answer after the model run)",
    },
    {
      figure: "figures_after_report_s",
      baseline: "figures_s",
      check: (r) => Number(r.figures_after_report_s) < 5,
      text: "issue 17: the refreshed figures < 5 s after the report (median of 5 uploads of the report-to-direct-figures time; baseline: from the start of the upload; the small-area estimates, rank intervals and themes follow: all_figures_s and every run in the log)",
    },
  ],
});
BENCHES.push({
  name: "pdf",
  script: "bench/pdf.ts",
  targets: [
    {
      figure: "district_s",
      baseline: "chromium_floor_s",
      ratio: "district_ratio",
      check: (r) => Number(r.district_s) < 10,
      text: "district bulletin PDF < 10 s (barometer report, median)",
    },
    {
      figure: "townships_s",
      check: (r) => Number(r.townships_s) < 60,
      text: "all 50 township reports < 60 s",
    },
  ],
});
const only = process.argv.slice(2);
const lines: string[] = [];
const date = new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
lines.push("# Benchmark report", "");
lines.push(`Run on ${date} (Asia/Shanghai) by \`npm run bench\`.`, "");
lines.push(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start), Node ${process.version}, ${process.platform}.`,
  "",
);
if (only.length)
  lines.push(
    `Only these benches: ${only.join(", ")} (\`npm run bench -- ${only.join(" ")}\`); the others were not run.`,
    "",
  );
lines.push("| bench | figure | value | baseline | ratio | target | met |", "|---|---|---|---|---|---|---|");
let allMet = true;
for (const bench of BENCHES.filter((b) => only.length === 0 || only.includes(b.name))) {
  process.stderr.write(`\n== bench:${bench.name}\n`);
  const started = performance.now();
  // BENCH_REUSE=ingest,models reports those benches from their logs of an earlier run instead
  const reuse = (process.env.BENCH_REUSE ?? "").split(",").includes(bench.name);
  const log = join(ROOT, `bench/out/${bench.name}.log`);
  const run = reuse
    ? { status: 0, stdout: readFileSync(log, "utf8"), stderr: "(reused from bench/out)" }
    : spawnSync(process.execPath, ["--import", "tsx/esm", bench.script], {
        cwd: ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
  if (!reuse) writeFileSync(log, `${run.stderr}\n${run.stdout}`);
  process.stderr.write(run.stderr.split("\n").slice(-25).join("\n"));
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  let result: Result | null = null;
  try {
    result = JSON.parse(last) as Result;
  } catch {
    result = null;
  }
  if (run.status !== 0 || !result) {
    allMet = false;
    lines.push(`| ${bench.name} | (failed: exit ${run.status}) | | | | | no |`);
    continue;
  }
  for (const t of bench.targets) {
    const met = t.check(result);
    allMet &&= met;
    const fmt = (k?: string) => (k && result[k] !== undefined && result[k] !== null ? String(result[k]) : "");
    lines.push(
      `| ${bench.name} | ${t.figure} | ${fmt(t.figure)} | ${t.baseline ? `${t.baseline} ${fmt(t.baseline)}` : ""} | ${fmt(t.ratio)} | ${t.text} | ${met ? "yes" : "**no**"} |`,
    );
  }
  lines.push(
    reuse
      ? `| ${bench.name} | (not run: reused from the log of an earlier run, BENCH_REUSE) | | | | | |`
      : `| ${bench.name} | (wall time of the bench) | ${((performance.now() - started) / 1000).toFixed(0)} s | | | | |`,
  );
  lines.push(`<!-- ${bench.name}: ${last} -->`);
}
lines.push(
  "",
  `All targets met: ${allMet ? "yes" : "no"}. Each bench's full output is in bench/out/<name>.log (not committed).`,
  "",
);
writeFileSync(join(ROOT, "bench/REPORT.md"), lines.join("\n"));
process.stdout.write(`${lines.join("\n")}\n`);
