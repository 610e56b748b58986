import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// Issue 17: `barometer ingest` while `barometer serve` holds the database sends the file through
// the server's upload API (the one writer) instead of stopping at DuckDB's lock; it prints the
// report when the server has committed the upload, then waits for the model run after it,
// saying so on stderr. Expected counts: the tiny study's 80 respondents plus the 10 sent (a
// hand count), read from the file once the server has stopped.

const BIN = join(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);
let path: string;
let responses: (n: number, from: number) => string;
let server: ChildProcess | undefined;
let log = "";

async function barometer(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "--db", path, ...args], {
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  const tiny = await tinyDatabase();
  responses = tiny.responses;
  path = tiny.db.path;
  await closeDatabase(tiny.db);
  server = spawn(process.execPath, [BIN, "--db", path, "serve", "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  server.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  const deadline = Date.now() + 120_000;
  while (!existsSync(`${path}.server.json`)) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}, 300_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((ok) => server!.once("exit", ok));
  }
});

describe("barometer ingest while the server runs", () => {
  it("goes through the server, prints the report, waits for the figures", async () => {
    const sent = await barometer("ingest", responses(10, 80), "--study", "tiny", "--wave", "2024", "--json");
    expect(sent.code, `${sent.stderr}\n${log}`).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      status: "loaded",
      rows: 10,
      accepted: 10,
      rejected: 0,
      figures: "updated",
      model_run_error: null,
    });
    expect(sent.stderr).toContain("sending responses-80-10.csv to http://127.0.0.1:");
    expect(sent.stderr).toContain("the figures are updating (the server runs the models)…");
    expect(sent.stderr).toMatch(/figures updated \(\d+\.\d s\)/);

    // a file whose every row is rejected: refused, exit status 2, nothing waits
    const again = await barometer("ingest", responses(10, 0), "--study", "tiny", "--wave", "2024");
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain("refused:");
    expect(again.stderr).not.toContain("figures are updating");

    const list = await barometer("upload", "list");
    expect(JSON.parse(list.stdout).map((u: { n_accepted: number }) => u.n_accepted)).toEqual([80, 10]);

    // the figures on the file hold all 90 respondents
    server!.kill("SIGTERM");
    await new Promise((ok) => server!.once("exit", ok));
    const db = await openDatabase(path);
    try {
      expect(
        await db.query<{ n: number }>("select count(*)::int as n from int_responses_calibrated__tiny"),
      ).toEqual([{ n: 90 }]);
    } finally {
      await closeDatabase(db);
    }
  }, 300_000);
});
