import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { message } from "../../messages/catalogue.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";

// `barometer serve` on a database no model run has succeeded on (issue 14: it refused to
// start with "writeSnapshot: no tables to copy"). The real command in a child process, on
// a port the system picks; a new study registered with --study, then its first upload
// through the HTTP API builds the figures the overview and the SQL sandbox show.

const BIN = join(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);

let dir: string;
let db: string;
let server: ChildProcess | undefined;
let url = "";
const tokens: Record<string, string> = {};

async function barometer(args: string[], input?: string): Promise<string> {
  const child = run(process.execPath, [BIN, "--db", db, ...args], { timeout: 120_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return (await child).stdout;
}

beforeAll(async () => {
  dir = writeStudy({ "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,200\nT2,V4,100\n" });
  db = join(dir, "empty.duckdb");
  for (const role of ["uploader", "analyst"]) {
    await barometer(
      ["user", "add", `u_${role}`, "--role", role, "--password-stdin"],
      "a-long-test-password\n",
    );
    tokens[role] = (await barometer(["user", "token", `u_${role}`, "--label", "test"]))
      .trim()
      .split(/\s+/)
      .at(-1)!;
  }
  server = spawn(process.execPath, [BIN, "--db", db, "serve", "--port", "0", "--study", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  url = await new Promise<string>((resolve, reject) => {
    let text = "";
    server!.stderr!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const found = /Open (http:\/\/\S+)\//.exec(text);
      if (found) resolve(found[1]!);
    });
    server!.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}, 180_000);

afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
});

const as = (role: string) => ({ Authorization: `Bearer ${tokens[role]}` });

describe("barometer serve before any model run", () => {
  it("starts and says there are no figures yet, with a link to the upload page, in both languages", async () => {
    const zh = await fetch(`${url}/`, { headers: as("uploader") });
    expect(zh.status).toBe(200);
    const zhText = await zh.text();
    expect(zhText).toContain(message("ui.no_figures", "zh"));
    expect(zhText).toContain(`<a href="/upload">${message("ui.go_upload", "zh")}</a>`);
    const en = await (await fetch(`${url}/?lang=en`, { headers: as("uploader") })).text();
    expect(en).toContain(message("ui.no_figures", "en"));
    expect(en).toContain(`<a href="/upload?lang=en">${message("ui.go_upload", "en")}</a>`);
    // the study named with --study is there to upload to
    const upload = await (await fetch(`${url}/upload`, { headers: as("uploader") })).text();
    expect(upload).toContain("tiny");
  });

  it("builds the figures after the first good upload: overview and SQL sandbox", async () => {
    const rows = ["rid,town,village,sex,age,aw_union,league,phone,name"];
    const places = ["T1,V1", "T1,V2", "T2,V3", "T2,V4"];
    for (let i = 0; i < 80; i++)
      rows.push(
        `r${i},${places[i % 4]},${(i % 2) + 1},${20 + (i % 15)},${i % 3 ? 1 : 2},1,13800000${i},某人`,
      );
    const file = join(dir, "first.csv");
    writeFileSync(file, `${rows.join("\n")}\n`);
    const form = new FormData();
    form.set("study", "tiny");
    form.set("wave", "2024");
    form.set("file", new Blob([`${rows.join("\n")}\n`]), "first.csv");
    // as a script that reads the figures next: the answer waits for the model run
    form.set("wait", "figures");
    const res = await fetch(`${url}/api/v1/uploads`, { method: "POST", headers: as("uploader"), body: form });
    const report = (await res.json()) as { status: string; accepted: number; model_run_error: string | null };
    expect(res.status, JSON.stringify(report)).toBe(200);
    expect(report).toMatchObject({
      status: "loaded",
      accepted: 80,
      figures: "updated",
      model_run_error: null,
    });

    const page = await (await fetch(`${url}/`, { headers: as("uploader") })).text();
    expect(page).not.toContain(message("ui.no_figures", "zh"));
    expect(page).toContain(message("overview.scorecard", "zh", { wave: "2024年" }));

    // the snapshot is refreshed after the run: poll the sandbox until the mart is there
    const deadline = Date.now() + 60_000;
    let answer: { ok?: boolean; rows?: unknown[][]; error?: unknown } = {};
    while (Date.now() < deadline) {
      const sql = await fetch(`${url}/api/v1/sql`, {
        method: "POST",
        headers: { ...as("analyst"), "Content-Type": "application/json" },
        body: JSON.stringify({
          sql: "select count(*)::int as n from index_scores__tiny where unit_level = 'district'",
        }),
      });
      answer = (await sql.json()) as typeof answer;
      if (sql.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answer.ok, JSON.stringify(answer)).toBe(true);
    // one awareness figure for the district, and nothing else at that level (no composite)
    expect(answer.rows).toEqual([[1]]);
  });
});
