// npm run bench:server — autocannon on loopback against a real `barometer serve` child
// process, 50 connections for 20 s per endpoint, authenticated by token: /api/v1/health (the
// baseline), the scores API and the overview's data endpoint, on the demo database and on one
// with 1,000,000 respondents, as clients that accept gzip. Last line JSON (worst endpoint).
// Targets: p95 < 50 ms, 0 errors.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { startServer } from "./lib/serveChild.ts";
import { writeSurveyCsv } from "./lib/surveyCsv.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "bench/out/server");
const BIN = join(ROOT, "bin/barometer.js");
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = 50;
const STUDY = "mass_org_evaluation";
mkdirSync(OUT, { recursive: true });
const say = (m: string) => process.stderr.write(`${m}\n`);

function cli(db: string, args: string[], input?: string): string {
  return execFileSync(process.execPath, [BIN, "--db", db, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "inherit"],
  }).trim();
}

function fresh(name: string): string {
  const path = join(OUT, name);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  rmSync(`${path}.snapshots`, { recursive: true, force: true });
  rmSync(`${path}.releases`, { recursive: true, force: true });
  return path;
}

/** A database with the demo's waves (or the 1M-row file as wave 2024), a release and a token. */
function prepare(name: string, million: boolean): { db: string; token: string; release: string } {
  const db = fresh(name);
  const started = performance.now();
  if (million) {
    const csv = join(ROOT, "bench/out/ingest/survey-1m-utf8.csv");
    if (!existsSync(csv)) {
      mkdirSync(join(ROOT, "bench/out/ingest"), { recursive: true });
      writeSurveyCsv(csv, 1_000_000);
    }
    cli(db, [
      "ingest",
      csv,
      "--study",
      join(ROOT, "examples/mass-org-evaluation"),
      "--wave",
      "2024",
      "--json",
    ]);
  } else {
    cli(db, ["demo"]);
  }
  const release = JSON.parse(cli(db, ["release", "--study", STUDY, "--wave", "2024"])).release_id as string;
  cli(db, ["user", "add", "bench", "--role", "admin"]);
  const token = cli(db, ["user", "token", "bench", "--label", "bench"]);
  say(`${name}: prepared in ${((performance.now() - started) / 1000).toFixed(1)} s (release ${release})`);
  return { db, token, release };
}

interface Figure {
  endpoint: string;
  database: string;
  p95_ms: number;
  p99_ms: number;
  rps: number;
  errors: number;
}

// Every real client of these endpoints (browsers, curl --compressed, R httr, Python requests)
// says it accepts gzip; so does the load. One extra run of the scores endpoint without it, on
// the 1M database, is printed for information (its answer is ~3 MB of JSON) and not counted.
const CLIENT = { "accept-encoding": "gzip, deflate" };

async function load(
  url: string,
  token: string,
  label: string,
  database: string,
  client: Record<string, string> = CLIENT,
): Promise<Figure> {
  const times: number[] = [];
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { authorization: `Bearer ${token}`, ...client },
    setupClient: (client) => {
      client.on("response", (_status: number, _bytes: number, responseTime: number) =>
        times.push(responseTime),
      );
    },
  });
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  const errors = result.errors + result.timeouts + result.non2xx;
  const figure = {
    endpoint: label,
    database,
    p95_ms: Number(pct(0.95).toFixed(2)),
    p99_ms: Number(pct(0.99).toFixed(2)),
    rps: Math.round(result.requests.average),
    errors,
  };
  say(
    `${database.padEnd(8)} ${label.padEnd(10)} p50 ${result.latency.p50} ms  p95 ${figure.p95_ms} ms  p99 ${figure.p99_ms} ms  ${figure.rps} req/s  errors ${errors}`,
  );
  return figure;
}

const figures: Figure[] = [];
let port = 18_400;
for (const [name, million] of [
  ["demo", false],
  ["million", true],
] as const) {
  const { db, token, release } = prepare(`${name}.duckdb`, million);
  const server = await startServer(db, ++port);
  try {
    const base = `http://127.0.0.1:${port}/api/v1`;
    figures.push(await load(`${base}/health`, token, "health", name));
    figures.push(
      await load(
        `${base}/releases/${release}/scores?organization=union&level=township`,
        token,
        "scores",
        name,
      ),
    );
    if (million) {
      await load(
        `${base}/releases/${release}/scores?organization=union&level=township`,
        token,
        "scores without gzip (not counted)",
        name,
        {},
      );
    }
    figures.push(
      await load(
        `${base}/studies/${STUDY}/figures?wave=2024&unit_level=township&index=awareness`,
        token,
        "overview",
        name,
      ),
    );
  } finally {
    server.kill("SIGTERM");
  }
}
const measured = figures.filter((f) => f.endpoint !== "health");
const worst = measured.reduce((a, b) => (b.p95_ms > a.p95_ms ? b : a));
const baseline = figures
  .filter((f) => f.endpoint === "health")
  .reduce((a, b) => (b.p95_ms > a.p95_ms ? b : a));
const errors = figures.reduce((a, f) => a + f.errors, 0);
say(
  `worst endpoint: ${worst.database} ${worst.endpoint}; targets: p95 < 50 ms ${worst.p95_ms < 50 ? "met" : "MISSED"}, zero errors ${errors === 0 ? "met" : "MISSED"}`,
);
process.stdout.write(
  `${JSON.stringify({ bench: "server", p95_ms: worst.p95_ms, p99_ms: worst.p99_ms, rps: worst.rps, errors, baseline_p95_ms: baseline.p95_ms })}\n`,
);
