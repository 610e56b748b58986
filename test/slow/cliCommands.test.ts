import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

// The real `barometer` command in child processes, on a temp database file.
const BIN = join(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);

async function barometer(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-cli-"));
  db = join(dir, "cli.duckdb");
  const demo = await barometer(["--db", db, "demo"]);
  expect(demo.code, demo.stderr).toBe(0);
}, 180_000);

describe("barometer CLI", () => {
  it("demo loads three waves, builds the marts and keeps stdout for data", async () => {
    const out = await barometer([
      "--db",
      db,
      "sql",
      "select wave_id, count(*)::int as n from index_scores__mass_org_evaluation where unit_level = 'district' and group_var = '' and index_id = 'awareness' and org_level = 'township' group by 1 order by 1",
      "--format",
      "json",
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([
      { wave_id: "2024", n: 3 },
      { wave_id: "2025", n: 3 },
      { wave_id: "2026", n: 3 },
    ]);
  });

  it("running the demo again loads nothing twice", async () => {
    const again = await barometer(["--db", db, "demo"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("Already loaded (same file)");
    const out = await barometer([
      "--db",
      db,
      "sql",
      "select count(*)::int as n from uploads",
      "--format",
      "json",
    ]);
    expect(JSON.parse(out.stdout)).toEqual([{ n: 3 }]);
  });

  it("BAROMETER_DB chooses the database when --db is absent", async () => {
    const out = await barometer(["sql", "select count(*)::int as n from studies", "--format", "json"], {
      BAROMETER_DB: db,
    });
    expect(JSON.parse(out.stdout)).toEqual([{ n: 1 }]);
  });

  it("ingest --json prints one JSON object and exits non-zero when refused", async () => {
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    const out = await barometer([
      "--db",
      db,
      "ingest",
      empty,
      "--study",
      "mass_org_evaluation",
      "--wave",
      "2024",
      "--json",
    ]);
    expect(out.code).toBe(2);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ upload_id: null, status: "refused", rows: 0, accepted: 0, rejected: 0 });
    expect(out.stderr).toContain("refused: the file is empty");
  });

  it("the SQL command is read-only and cannot read files", async () => {
    const write = await barometer(["--db", db, "sql", "delete from uploads"]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/read-only/i);
    const file = await barometer(["--db", db, "sql", "select * from read_csv('/etc/passwd')"]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/external access|disabled/i);
  });

  it("an unknown command fails with the usage on stderr and nothing on stdout", async () => {
    const out = await barometer(["frobnicate"]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("unknown command 'frobnicate'");
    expect(out.stdout).toBe("");
  });

  it("run by study id says which folder's study.yaml it ran", async () => {
    const out = await barometer(["--db", db, "run", "--study", "mass_org_evaluation"]);
    expect(out.code, out.stderr).toBe(0);
    const studies = await barometer(["--db", db, "sql", "select study_dir from studies", "--format", "json"]);
    const study_dir = (JSON.parse(studies.stdout) as { study_dir: string }[])[0]?.study_dir ?? "";
    expect(study_dir).toMatch(/mass-org-evaluation$/);
    expect(`${out.stdout}${out.stderr}`).toContain(`study mass_org_evaluation from ${study_dir}`);
  }, 120_000);

  it("a bad study folder gives a clear error naming the file", async () => {
    const out = await barometer(["--db", db, "run", "--study", dir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("neither a folder with study.yaml nor a study registered in the database");
  });
});
