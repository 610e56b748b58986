import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

// Helpers for the stress tests that drive a real `barometer serve` child process on
// 127.0.0.1: a demo database prepared through the CLI, a free port, start and stop.

const BIN = resolve(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);

export const STUDY = "mass_org_evaluation";
export const RESPONSES = resolve(import.meta.dirname, "../../examples/mass-org-evaluation/responses");

/** `barometer --db <db> ...args`; its stdout. */
export async function barometer(db: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, "--db", db, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * A demo database built through the CLI, with an admin and an API token created before any
 * server holds the file, and (optionally) a release of 2026 for the scores endpoint.
 */
export async function prepareDemo(options: { release?: boolean } = {}): Promise<{
  dir: string;
  db: string;
  token: string;
  releaseId: string | null;
}> {
  const dir = mkdtempSync(join(tmpdir(), "barometer-stress-"));
  const db = join(dir, "demo.duckdb");
  await barometer(db, "demo");
  await barometer(db, "user", "add", "root", "--role", "admin");
  const token = (await barometer(db, "user", "token", "root")).trim();
  let releaseId: string | null = null;
  if (options.release) {
    const record = JSON.parse(await barometer(db, "release", "--study", STUDY, "--wave", "2026")) as {
      release_id: string;
    };
    releaseId = record.release_id;
  }
  return { dir, db, token, releaseId };
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface ServerChild {
  child: ChildProcess;
  url: string;
  /** Everything the server wrote to stderr so far. */
  log: () => string;
  exited: Promise<number | null>;
}

/** Start `barometer serve` and wait until /api/v1/health answers (at most `timeoutMs`). */
export async function startServer(db: string, port: number, timeoutMs = 60_000): Promise<ServerChild> {
  const child = spawn(
    process.execPath,
    [BIN, "--db", db, "serve", "--host", "127.0.0.1", "--port", String(port)],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) throw new Error(`barometer serve exited before answering:\n${text}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`barometer serve did not answer within ${timeoutMs} ms:\n${text}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return { child, url, log: () => text, exited };
}

/** SIGTERM (the server's clean stop) or SIGKILL, and wait for the exit. */
export async function stopServer(
  server: ServerChild,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill(signal);
  await server.exited;
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/**
 * A response file of `n` respondents for `wave`: rows `from`..`from + n - 1` of the demo wave's
 * own file (so every answer is valid), with ids renumbered `<wave>-<prefix><4 digits>` so they
 * are new to the wave and still match the codebook's `^[0-9]{4}-[0-9]{5}$`.
 */
export function newRespondents(wave: string, prefix: string, from: number, n: number): string {
  const lines = readFileSync(join(RESPONSES, `wave-${wave}.csv`), "utf8")
    .trimEnd()
    .split("\n");
  const rows = lines.slice(from, from + n).map((line, i) => {
    const rest = line.slice(line.indexOf(","));
    return `${wave}-${prefix}${String(i + 1).padStart(4, "0")}${rest}`;
  });
  return `${[lines[0], ...rows].join("\n")}\n`;
}

export interface UploadAnswer {
  status: number;
  body: {
    upload_id: string | null;
    status: "loaded" | "duplicate" | "refused";
    rows: number;
    accepted: number;
    rejected: number;
    refusal: { code: string; en: string } | null;
    errors: { reason: string; count: number }[];
    figures: "updating" | "direct_updated" | "updated" | "failed" | "unchanged";
    model_run_error: string | null;
  };
}

/**
 * POST /api/v1/uploads, multipart, as the API client does. The answer comes at the upload's
 * commit; with `wait: "figures"` it comes after the model run that follows (as before issue 17).
 */
export async function upload(
  url: string,
  token: string,
  wave: string,
  name: string,
  csv: string,
  options: { wait?: "figures" } = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  form.set("study", STUDY);
  form.set("wave", wave);
  if (options.wait) form.set("wait", options.wait);
  form.set("file", new Blob([csv], { type: "text/csv" }), name);
  const res = await fetch(`${url}/api/v1/uploads`, {
    method: "POST",
    body: form,
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as UploadAnswer["body"] };
}

/**
 * The server answers health checks before its first analytics snapshot is written (it
 * rebuilds while serving): wait until the SQL sandbox answers `select 1`, at most two minutes.
 */
export async function waitForSandbox(url: string, token: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${url}/api/v1/sql`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ sql: "select 1" }),
    });
    const text = await res.text();
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the SQL sandbox did not come up: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
