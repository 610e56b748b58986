// npm run bench:figures-uploads — the overview's figures endpoint at a steady 20 requests/s
// (as a browser asks: gzip accepted) against a real `barometer serve` child process, while
// four uploads arrive at once through the API, each followed by the server's model run and
// analytics snapshot. The uploads ask to be answered after their model run (`wait=figures`),
// so the load runs from the first upload until the figures hold the last one (and at least
// BENCH_SECONDS). Last line JSON. Target: figures p99 < 100 ms, 0 errors.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { closeDatabase, openDatabase } from "../db/index.ts";
import { createToken, createUser } from "../server/auth/index.ts";
import { startServer } from "./lib/serveChild.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "bench/out/figures-uploads");
const BIN = join(ROOT, "bin/barometer.js");
const STUDY = "mass_org_evaluation";
const RATE = 20;
const MIN_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const UPLOADS = 4;
const ROWS_PER_UPLOAD = 400;
mkdirSync(OUT, { recursive: true });
const say = (m: string) => process.stderr.write(`${m}\n`);

function cli(db: string, args: string[]): string {
  return execFileSync(process.execPath, [BIN, "--db", db, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** One GET as a browser sends it; resolves with the time to the last byte and the bytes on the wire. */
function get(
  url: string,
  token: string,
  gzip: boolean,
): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  return new Promise((ok) => {
    const req = request(
      url,
      {
        headers: { authorization: `Bearer ${token}`, "accept-encoding": gzip ? "gzip, deflate" : "identity" },
      },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on("end", () => ok({ ms: performance.now() - started, status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on("error", () => ok({ ms: performance.now() - started, status: 0, bytes: 0 }));
    req.end();
  });
}

/** `n` new respondents for wave 2026: the demo file's own rows with new ids (so every answer is valid). */
function newRespondents(prefix: string, n: number): string {
  const lines = readFileSync(join(ROOT, "examples/mass-org-evaluation/responses/wave-2026.csv"), "utf8")
    .trimEnd()
    .split("\n");
  const rows = lines
    .slice(1, 1 + n)
    .map((line, i) => `2026-${prefix}${String(i + 1).padStart(3, "0")}${line.slice(line.indexOf(","))}`);
  return `${[lines[0], ...rows].join("\n")}\n`;
}

/** POST /api/v1/uploads, multipart, over node:http (an upload and its model run may take minutes). */
function upload(base: string, token: string, prefix: string): Promise<number> {
  const boundary = `----bench${prefix}${Date.now()}`;
  const part = (name: string, value: string, file?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: text/csv` : ""}\r\n\r\n${value}\r\n`;
  const body = Buffer.from(
    `${part("study", STUDY)}${part("wave", "2026")}${part("wait", "figures")}${part("file", newRespondents(prefix, ROWS_PER_UPLOAD), `${prefix}.csv`)}--${boundary}--\r\n`,
  );
  return new Promise((ok) => {
    const req = request(
      `${base}/api/v1/uploads`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": body.length,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300)
            say(
              `upload ${prefix}: ${res.statusCode} ${text.replace(/"mapping":\{.*?\]\},?/, "").slice(0, 700)}`,
            );
          ok(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", () => ok(0));
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

const db = join(OUT, "demo.duckdb");
// BENCH_REUSE_DB=1 measures on the database an earlier run prepared (the demo takes minutes on a busy machine)
const reuse = process.env.BENCH_REUSE_DB === "1" && existsSync(db);
let started = performance.now();
if (!reuse) {
  for (const suffix of ["", ".wal", ".server.json"]) rmSync(`${db}${suffix}`, { force: true });
  for (const dir of [".snapshots", ".releases"]) rmSync(`${db}${dir}`, { recursive: true, force: true });
  cli(db, ["demo"]);
}
rmSync(`${db}.server.json`, { force: true });
// the user and token in this process, before the server holds the file
const handle = await openDatabase(db);
if ((await handle.query("select 1 from users where user_name = 'bench'")).length === 0)
  await createUser(handle, "bench", "admin", "a-long-bench-password");
const token = await createToken(handle, "bench", "bench");
await closeDatabase(handle);
say(
  `demo database ${reuse ? "reused" : "prepared"} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
const port = 18_600 + (process.pid % 200);
const server = await startServer(db, port);
const base = `http://127.0.0.1:${port}`;
const url = `${base}/api/v1/studies/${STUDY}/figures`;
try {
  const plain = await get(url, token, false);
  const zipped = await get(url, token, true);
  say(
    `figures answer: ${(plain.bytes / 1e6).toFixed(2)} MB as JSON, ${(zipped.bytes / 1e3).toFixed(0)} kB gzip-encoded`,
  );

  started = performance.now();
  const uploadsStarted = performance.now();
  let uploadsMs = 0;
  const uploads = Promise.all(Array.from({ length: UPLOADS }, (_, i) => upload(base, token, `9${i}`))).then(
    (s) => {
      uploadsMs = performance.now() - uploadsStarted;
      return s;
    },
  );
  let uploadsDone = false;
  void uploads.then(() => {
    uploadsDone = true;
  });
  const answers: Promise<{ ms: number; status: number; bytes: number }>[] = [];
  for (let i = 0; !uploadsDone || performance.now() - started < MIN_SECONDS * 1000; i++) {
    answers.push(get(url, token, true));
    // a steady rate: the i-th request at i / RATE seconds, however long the others take
    const next = started + ((i + 1) * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const statuses = await uploads;
  const results = await Promise.all(answers);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const errors = results.filter((r) => r.status !== 200).length;
  const seconds = (performance.now() - started) / 1000;
  const figure = {
    requests: results.length,
    seconds: Number(seconds.toFixed(1)),
    rate_per_s: Number((results.length / seconds).toFixed(1)),
    p50_ms: Number(pct(times, 0.5).toFixed(1)),
    p95_ms: Number(pct(times, 0.95).toFixed(1)),
    p99_ms: Number(pct(times, 0.99).toFixed(1)),
    max_ms: Number((times.at(-1) ?? Number.NaN).toFixed(1)),
    errors,
    uploads: statuses.join(","),
    uploads_s: Number((uploadsMs / 1000).toFixed(1)),
    body_mb: Number((plain.bytes / 1e6).toFixed(2)),
    gzip_kb: Math.round(zipped.bytes / 1e3),
  };
  say(
    `figures at ${RATE}/s during ${UPLOADS} uploads (${figure.uploads_s} s, statuses ${figure.uploads}): ` +
      `p50 ${figure.p50_ms} ms  p95 ${figure.p95_ms} ms  p99 ${figure.p99_ms} ms  max ${figure.max_ms} ms  errors ${errors}`,
  );
  process.stdout.write(`${JSON.stringify(figure)}\n`);
} finally {
  server.kill("SIGTERM");
}
