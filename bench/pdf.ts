// npm run bench:pdf — how long a leader waits for the printed report (issue 18): `barometer
// report` for the district bulletin and for all townships in one PDF, each a fresh process on
// the demo database with two releases (CLI start, its own loopback server, Chromium, the PDF),
// the median of a few runs. Baseline measured in the same run: Chromium started and printing a
// one-line page, the floor any PDF pays. Targets: district < 10 s, all townships < 60 s.
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { chromiumPath } from "../server/report/renderPdf.ts";
import { ensureBuilt } from "./lib/ensureBuilt.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/barometer.js");
const RUNS = Number(process.env.BENCH_PDF_RUNS ?? 3);

await ensureBuilt(ROOT);
const dir = mkdtempSync(join(tmpdir(), "barometer-bench-pdf-"));
const db = join(dir, "demo.duckdb");

function cli(args: string[]): string {
  const run = spawnSync(process.execPath, [BIN, "--db", db, ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`barometer ${args.join(" ")} failed: ${run.stderr}`);
  return run.stdout;
}

process.stderr.write("building the demo database and two releases ...\n");
cli(["demo"]);
cli(["release", "--study", "mass_org_evaluation", "--wave", "2025"]);
const release = JSON.parse(cli(["release", "--study", "mass_org_evaluation", "--wave", "2026"])) as {
  release_id: string;
};

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2));
}

function timeReport(extra: string[], file: string): { s: number; kb: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    cli(["report", "--release", release.release_id, "-o", join(dir, file), ...extra]);
    times.push((performance.now() - start) / 1000);
  }
  return { s: median(times), kb: Math.round(statSync(join(dir, file)).size / 1024) };
}

// the floor: Chromium launched, one line printed, closed
const floor: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  const page = await browser.newPage();
  await page.setContent("<p>floor 底线</p>");
  await page.pdf({ format: "A4" });
  await browser.close();
  floor.push((performance.now() - start) / 1000);
}
const district = timeReport([], "district.pdf");
const townships = timeReport(["--township", "all"], "townships.pdf");
const result = {
  chromium_floor_s: median(floor),
  district_s: district.s,
  district_kb: district.kb,
  townships_s: townships.s,
  townships_kb: townships.kb,
  townships: 50,
  district_ratio: Number((district.s / median(floor)).toFixed(2)),
  runs: RUNS,
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
};
process.stderr.write(
  `district bulletin ${result.district_s} s (${result.district_kb} KB); all townships ${result.townships_s} s (${result.townships_kb} KB); Chromium floor ${result.chromium_floor_s} s; load ${result.load_average_1m}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
