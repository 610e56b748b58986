/**
 * `barometer sae` in a child process on the milk data (test/fixtures/sae): the held-out entry
 * point. Expected numbers: emdi's stored milk-15 REML results (expected.json) and make-fixtures.R.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { maxRelDiff, milk, readJson } from "../analysis/sae/fixtures.ts";

const BIN = join(import.meta.dirname, "../../bin/barometer.js");
const run = promisify(execFile);

async function barometer(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(join(tmpdir(), "barometer-sae-"));
const csv = join(dir, "milk.csv");
writeFileSync(
  csv,
  `area,y,var,major,n\n${milk()
    .filter((r) => r.major <= 3)
    .map((r) => [r.area, r.area <= 15 ? r.y : "", r.area <= 15 ? r.sd ** 2 : "", r.major, r.n].join(","))
    .join("\n")}\n`,
);
const ref = readJson<{
  cases: { refvar: number; EBLUP: number[]; MSE: number[]; coefficients: { estimate: number[] } }[];
}>("expected.json").cases[0]!;

describe("barometer sae", () => {
  it("REML with sae's stop rule reproduces emdi's stored numbers; areas 16–43 get synthetic estimates", async () => {
    const out = await barometer([
      "sae",
      csv,
      "--area",
      "area",
      "--direct",
      "y",
      "--vardir",
      "var",
      "--factor",
      "major",
      "--convergence",
      "sae",
      "--json",
    ]);
    expect(out.code, out.stderr).toBe(0);
    const res = JSON.parse(out.stdout) as {
      model: { sigma2u: number };
      areas: { estimate: number; mse: number | null; sampled: boolean }[];
    };
    expect(Math.abs(res.model.sigma2u - ref.refvar) / ref.refvar).toBeLessThan(1e-9);
    const inSample = res.areas.slice(0, 15);
    expect(
      maxRelDiff(
        inSample.map((a) => a.estimate),
        ref.EBLUP,
      ),
    ).toBeLessThan(1e-9);
    expect(
      maxRelDiff(
        inSample.map((a) => a.mse),
        ref.MSE,
      ),
    ).toBeLessThan(1e-9);
    // Areas 16+ (MajorArea 1–3, not sampled here) get the synthetic x'β̂ with sae's β̂.
    const b = ref.coefficients.estimate;
    const outside = milk().filter((r) => r.major <= 3 && r.area > 15);
    expect(outside.length).toBeGreaterThan(5);
    outside.forEach((r, k) => {
      const a = res.areas[15 + k]!;
      expect(a.sampled).toBe(false);
      const synthetic = b[0]! + (r.major === 2 ? b[1]! : 0) + (r.major === 3 ? b[2]! : 0);
      expect(Math.abs(a.estimate - synthetic) / synthetic).toBeLessThan(1e-9);
      expect(a.mse).toBeGreaterThan(ref.refvar);
    });
  });
  it("exact convergence (default) is within 1e-5 of emdi's stored numbers, as CSV", async () => {
    const out = await barometer([
      "sae",
      csv,
      "--area",
      "area",
      "--direct",
      "y",
      "--vardir",
      "var",
      "--factor",
      "major",
    ]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split("\n");
    expect(lines[0]).toBe("area,direct,vardir,estimate,mse,rmse,gamma,sampled");
    const cells = lines.slice(1, 16).map((l) => l.split(","));
    expect(
      maxRelDiff(
        cells.map((c) => Number(c[3])),
        ref.EBLUP,
      ),
    ).toBeLessThan(1e-5);
    expect(
      maxRelDiff(
        cells.map((c) => Number(c[4])),
        ref.MSE,
      ),
    ).toBeLessThan(1e-5);
  });
  it("CSV output and a clear message for a missing column", async () => {
    const out = await barometer(["sae", csv, "--direct", "y", "--vardir", "nope"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('no column "nope"');
  });
});
