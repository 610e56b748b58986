import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../fixtures/sae/", import.meta.url));

export function readCsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(dir + name, "utf8")
    .trim()
    .split(/\r?\n/);
  const cols = head!.split(",").map((c) => c.replace(/"/g, ""));
  return lines.map((line) =>
    Object.fromEntries(line.split(",").map((v, k) => [cols[k]!, v.replace(/"/g, "")])),
  );
}

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(dir + name, "utf8")) as T;
}

/** milk.csv as numbers: SmallArea, ni, yi, SD, MajorArea. */
export function milk(): { area: number; n: number; y: number; sd: number; major: number }[] {
  return readCsv("milk.csv").map((r) => ({
    area: Number(r.SmallArea),
    n: Number(r.ni),
    y: Number(r.yi),
    sd: Number(r.SD),
    major: Number(r.MajorArea),
  }));
}

/** Treatment contrasts of a factor with levels 1..k: intercept plus one indicator per level above 1. */
export function factorRow(level: number, levels: number): number[] {
  return [1, ...Array.from({ length: levels - 1 }, (_, k) => (level === k + 2 ? 1 : 0))];
}

export function maxRelDiff(actual: readonly (number | null)[], expected: readonly (number | null)[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (e === null || e === undefined) {
      if (a !== null && a !== undefined) return Number.POSITIVE_INFINITY;
      continue;
    }
    if (a === null || a === undefined) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), 1e-300));
  }
  return worst;
}
