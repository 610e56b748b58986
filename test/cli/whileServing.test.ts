import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// Issue 17 (and 13's user commands): while `barometer serve` holds the database, the read
// commands (sql, estimate --table, upload list, notebook render) answer instead of failing on
// DuckDB's lock, and the user commands go through the server with the admin token it writes
// beside the database (mode 600). Expected values: 80 respondents loaded (a hand count); the
// estimate equals the same command's answer on the file once the server has stopped.

const BIN = join(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);
let path: string;
let dir: string;
let server: ChildProcess | undefined;

async function barometer(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "--db", path, ...args], {
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// a table only the live database holds: the study's raw answers, fetched through the server
const RAW_ESTIMATE = [
  "estimate",
  "--table",
  "raw_responses__tiny",
  "--ids",
  "village",
  "--strata",
  "town",
  "--prop",
  "aw_union = 1",
  "--by",
  "sex",
  "--json",
];

const ESTIMATE = [
  "estimate",
  "--table",
  "int_scores_wide__tiny",
  "--ids",
  "design_psu",
  "--strata",
  "design_stratum",
  "--weights",
  "base_weight",
  "--mean",
  "awareness__union__township",
  "--json",
];

beforeAll(async () => {
  const tiny = await tinyDatabase();
  ({ dir } = tiny);
  path = tiny.db.path;
  await closeDatabase(tiny.db);
  server = spawn(process.execPath, [BIN, "--db", path, "serve", "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  const deadline = Date.now() + 120_000;
  // up when it has noted itself and written its first analytics snapshot
  while (!(existsSync(`${path}.server.json`) && /analytics-\d+\.duckdb/.test(readdirSnapshots()))) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}, 300_000);

function readdirSnapshots(): string {
  try {
    return readdirSync(`${path}.snapshots`).join(" ");
  } catch {
    return "";
  }
}

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((ok) => server!.once("exit", ok));
  }
});

describe("the CLI while the server runs", () => {
  it("manages users and lists uploads through the server, with the token it wrote beside the database", async () => {
    expect(statSync(`${path}.admin-token`).mode & 0o777).toBe(0o600);
    const uploads = await barometer("upload", "list");
    expect(uploads.code, uploads.stderr).toBe(0);
    expect(JSON.parse(uploads.stdout).map((u: { n_accepted: number }) => u.n_accepted)).toEqual([80]);

    const added = await barometer("user", "add", "zhao", "--role", "analyst");
    expect(added.code, added.stderr).toBe(0);
    const token = await barometer("user", "token", "zhao", "--label", "cron");
    expect(token.stdout).toMatch(/^bmt_/);
    const url = JSON.parse(readFileSync(`${path}.server.json`, "utf8")).url as string;
    const ask = () =>
      fetch(`${url}/api/v1/releases`, { headers: { Authorization: `Bearer ${token.stdout.trim()}` } }).then(
        (r) => r.status,
      );
    expect(await ask()).toBe(200);
    const tokens = JSON.parse((await barometer("user", "tokens", "zhao")).stdout) as { token_id: string }[];
    const revoked = await barometer("user", "revoke-token", "zhao", tokens[0]!.token_id);
    expect(revoked.stderr).toContain("revoked 1 token of zhao");
    expect(await ask()).toBe(401);
    expect((await barometer("user", "disable", "zhao")).code).toBe(0);
    const users = JSON.parse((await barometer("user", "list")).stdout) as {
      user_name: string;
      disabled: boolean;
    }[];
    expect(users.find((u) => u.user_name === "zhao")?.disabled).toBe(true);
    const reset = await barometer("user", "reset-password", "nobody-here");
    expect([reset.code, reset.stderr]).toEqual([1, "barometer: the server refused: no user nobody-here\n"]);
    // a release is made by the server that holds the file
    const release = await barometer("release", "--study", "tiny", "--wave", "2024");
    expect(release.code, release.stderr).toBe(0);
    expect(JSON.parse(release.stdout).release_id).toBe("tiny-2024-r1");
  }, 300_000);

  it("reads through the analytics snapshot: sql, estimate --table, notebook render", async () => {
    const sql = await barometer(
      "sql",
      "select count(*)::integer as n from int_responses_calibrated__tiny",
      "--format",
      "json",
    );
    expect(sql.code, sql.stderr).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ n: 80 }]);
    expect(sql.stderr).toMatch(/reading its analytics snapshot analytics-\d{6}\.duckdb/);
    const raw = await barometer("sql", "select count(*) from users");
    expect(raw.code).toBe(1);
    expect(raw.stderr).toContain("stop the server to read other tables");

    const estimate = await barometer(...ESTIMATE);
    expect(estimate.code, estimate.stderr).toBe(0);
    const served = JSON.parse(estimate.stdout);

    const notebook = join(dir, "count.md");
    writeFileSync(
      notebook,
      [
        "---",
        "title: { zh: 人数, en: Count }",
        "study: tiny",
        "---",
        "",
        "```sql name=respondents",
        "select count(*)::integer as n_respondents from int_responses_calibrated__tiny",
        "```",
        "",
      ].join("\n"),
    );
    const html = join(dir, "count.html");
    const rendered = await barometer("notebook", "render", notebook, "-o", html);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(readFileSync(html, "utf8")).toMatch(/<td[^>]*>80<\/td>/);

    // the raw answers are in no snapshot: read from the running server's live database
    const rawServed = await barometer(...RAW_ESTIMATE);
    expect(rawServed.code, rawServed.stderr).toBe(0);
    expect(rawServed.stderr).toMatch(/read raw_responses__tiny from barometer serve \(pid \d+\)/);
    // without its personal columns: the hashed phone stays in the raw table
    const url = JSON.parse(readFileSync(`${path}.server.json`, "utf8")).url as string;
    const token = readFileSync(`${path}.admin-token`, "utf8").trim();
    const parquet = await fetch(`${url}/api/v1/tables/raw_responses__tiny/parquet`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(parquet.status).toBe(200);
    const bytes = Buffer.from(await parquet.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
    expect(bytes.includes(Buffer.from("phone"))).toBe(false);
    expect(bytes.includes(Buffer.from("aw_union"))).toBe(true);
    // tables that are neither raw answers nor the models' are refused, by name
    const refused = await barometer("estimate", "--table", "users", "--mean", "user_id");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("no readable table users");

    // the same estimates on the file, with no server: the same numbers
    server!.kill("SIGTERM");
    await new Promise((ok) => server!.once("exit", ok));
    const direct = await barometer(...ESTIMATE);
    expect(direct.code, direct.stderr).toBe(0);
    expect(served).toEqual(JSON.parse(direct.stdout));
    const rawDirect = await barometer(...RAW_ESTIMATE);
    expect(rawDirect.code, rawDirect.stderr).toBe(0);
    expect(JSON.parse(rawServed.stdout)).toEqual(JSON.parse(rawDirect.stdout));
    expect(JSON.parse(rawDirect.stdout).length).toBeGreaterThan(0);

    // with no server, the user commands change the file itself (audited as the CLI's user)
    const enabled = await barometer("user", "enable", "zhao");
    expect(enabled.code, enabled.stderr).toBe(0);
    const users = JSON.parse((await barometer("user", "list")).stdout) as {
      user_name: string;
      disabled: boolean;
    }[];
    expect(users.find((u) => u.user_name === "zhao")?.disabled).toBe(false);
  }, 300_000);
});
