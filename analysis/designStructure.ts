import type { DesignStructure, LonelyPsu, Unit } from "./types.ts";

/** One row of the structure query: stratum, ids of the stages used, row count, fpc range per stage. */
export interface StructureRow {
  stratum: unknown;
  ids: unknown[];
  fpcMin: (number | null)[];
  fpcMax: (number | null)[];
  /** unclustered pps designs (one row per stratum): Σ (1 − π) and max (1 − π) over its rows */
  fSum?: number;
  fMax?: number;
}

export const keyOf = (values: unknown[]): string => JSON.stringify(values);

/**
 * Build strata and units from grouped design columns, with R's `as.fpc` rules: per stage all
 * fpc values <= 1 are sampling fractions, all >= 1 population sizes; a mix, a population smaller
 * than the sample or an fpc that varies within a stratum is an error naming it.
 * `clustered = false` means each row is its own PSU and `rowsPerStratum` counts them.
 *
 * With `pps` (R's `pps = "brewer"`), fpc values are inclusion probabilities that may differ
 * between the units of a parent but not within a unit; each unit gets its own population size
 * n/π (R's `as.fpc(..., pps = TRUE)`: popsize = sampsize / fpc per row).
 */
export function buildStructure(
  rows: StructureRow[],
  options: {
    stages: number;
    clustered: boolean;
    fpcColumns: string[];
    lonelyPsu: LonelyPsu;
    rowCounts: number[];
    pps?: boolean;
  },
): DesignStructure {
  const { stages, clustered, fpcColumns } = options;
  const pps = options.pps ?? false;
  const allFpc = rows.flatMap((r) => [...r.fpcMin, ...r.fpcMax]).filter((v): v is number => v !== null);
  const isPopsize = allFpc.some((v) => v > 1);
  if (pps) {
    const bad = allFpc.find((v) => !(v > 0 && v <= 1));
    if (bad !== undefined) {
      throw new Error(
        `with pps, fpc must be inclusion probabilities in (0, 1] (R: "fpc must be specified as sampling fraction for PPS sampling"); found ${bad}`,
      );
    }
  }
  if (isPopsize && !allFpc.every((v) => v >= 1)) {
    const small = allFpc.find((v) => v < 1);
    throw new Error(
      `fpc mixes sampling fractions and population sizes (e.g. ${small}); all must be <= 1 or all >= 1`,
    );
  }
  const strataIndex = new Map<string, number>();
  const strata: string[] = [];
  const keys: Map<string, number>[] = Array.from({ length: stages }, () => new Map());
  const units: Unit[][] = Array.from({ length: stages }, () => []);
  const fpcSeen: Map<string, number>[] = Array.from({ length: stages }, () => new Map());
  const unitFpc: number[][] = Array.from({ length: stages }, () => []);
  const strataFpc: number[] = [];
  const unclusteredF: { sum: number; max: number }[] = [];
  rows.forEach((r, i) => {
    const sKey = keyOf([r.stratum]);
    let h = strataIndex.get(sKey);
    if (h === undefined) {
      h = strata.length;
      strataIndex.set(sKey, h);
      strata.push(String(r.stratum));
      strataFpc.push(Number.NaN);
    }
    if (!clustered) {
      // each row a PSU: stage-1 units are counted, not listed
      if (pps) {
        strataFpc[h] = Number.NaN;
        unclusteredF[h] = { sum: r.fSum ?? 0, max: r.fMax ?? 0 };
      } else {
        if (fpcColumns.length) checkConstant(r, 0, fpcColumns[0]!, `stratum ${r.stratum}`);
        strataFpc[h] = fpcColumns.length ? r.fpcMin[0]! : Number.POSITIVE_INFINITY;
      }
      units[0]!.push({ parent: h, n: options.rowCounts[i]!, N: Number.NaN });
      return;
    }
    let parent = h;
    for (let s = 0; s < stages; s++) {
      const k = keyOf([r.stratum, ...r.ids.slice(0, s + 1)]);
      let u = keys[s]!.get(k);
      if (pps) {
        const unit = `unit ${JSON.stringify(r.ids.slice(0, s + 1))} of stratum ${r.stratum}`;
        const pi = checkConstant(r, s, fpcColumns[s]!, unit);
        if (u === undefined) {
          u = units[s]!.length;
          keys[s]!.set(k, u);
          units[s]!.push({ parent, n: 0, N: Number.NaN });
          unitFpc[s]![u] = pi;
        } else if (unitFpc[s]![u] !== pi) {
          throw new Error(
            `fpc column "${fpcColumns[s]}" varies within ${unit} at stage ${s + 1} (${unitFpc[s]![u]} and ${pi}): with pps each unit has one inclusion probability`,
          );
        }
        parent = u;
        continue;
      }
      if (u === undefined) {
        u = units[s]!.length;
        keys[s]!.set(k, u);
        units[s]!.push({ parent, n: 0, N: Number.NaN });
        const where = s === 0 ? `stratum ${r.stratum}` : `unit ${JSON.stringify(r.ids.slice(0, s))}`;
        const fpc =
          fpcColumns[s] !== undefined ? checkConstant(r, s, fpcColumns[s]!, where) : Number.POSITIVE_INFINITY;
        const parentKey = s === 0 ? `s${h}` : `u${parent}`;
        const prev = fpcSeen[s]!.get(parentKey);
        if (prev !== undefined && prev !== fpc && !(Number.isNaN(prev) && Number.isNaN(fpc))) {
          throw new Error(
            `fpc column "${fpcColumns[s]}" varies within ${where} at stage ${s + 1} (${prev} and ${fpc})`,
          );
        }
        fpcSeen[s]!.set(parentKey, fpc);
        unitFpc[s]![u] = fpc;
      }
      parent = u;
    }
  });
  // sample sizes: units per parent
  const psusPerStratum = new Array<number>(strata.length).fill(0);
  if (clustered) {
    for (const u of units[0]!) psusPerStratum[u.parent]!++;
    for (let s = 1; s < stages; s++) {
      const counts = new Map<number, number>();
      for (const u of units[s]!) counts.set(u.parent, (counts.get(u.parent) ?? 0) + 1);
      for (const u of units[s]!) u.n = counts.get(u.parent)!;
    }
    for (const u of units[0]!) u.n = psusPerStratum[u.parent]!;
  } else {
    for (const u of units[0]!) psusPerStratum[u.parent]! += u.n;
    units[0] = [];
  }
  // population sizes
  const popsize = (fpc: number, n: number, where: string, stage: number): number => {
    if (!Number.isFinite(fpc)) return Number.POSITIVE_INFINITY;
    const N = isPopsize ? fpc : n / fpc;
    if (N < n - 1e-9 * n) {
      throw new Error(
        `fpc implies more than 100% sampling in ${where} at stage ${stage}: population ${N}, sample ${n}`,
      );
    }
    return N;
  };
  const fSum: Float64Array[] = [];
  const fMax: Float64Array[] = [];
  if (pps) {
    // each unit its own population size n/π (n: units sampled in its parent) and f = (N − n)/N
    const strataN = strata.map(() => Number.NaN);
    fSum.push(new Float64Array(strata.length));
    fMax.push(new Float64Array(strata.length));
    if (!clustered) {
      unclusteredF.forEach((v, h) => {
        fSum[0]![h] = v.sum;
        fMax[0]![h] = v.max;
      });
    }
    for (let s = 0; s < (clustered ? stages : 0); s++) {
      const parents = s === 0 ? strata.length : units[s - 1]!.length;
      if (s > 0) {
        fSum.push(new Float64Array(parents));
        fMax.push(new Float64Array(parents));
      }
      units[s]!.forEach((u, i) => {
        u.N = u.n / unitFpc[s]![i]!;
        const f = (u.N - u.n) / u.N;
        fSum[s]![u.parent]! += f;
        fMax[s]![u.parent] = Math.max(fMax[s]![u.parent]!, f);
      });
    }
    const lonelyStrata: number[] = [];
    psusPerStratum.forEach((n, h) => {
      if (n === 1 && fMax[0]![h]! >= 1e-7) lonelyStrata.push(h);
    });
    failOnLonely(lonelyStrata, strata, options.lonelyPsu);
    return {
      strata,
      strataIndex,
      stages: units,
      keys,
      psusPerStratum,
      lonelyStrata,
      strataN,
      pps,
      fSum,
      fMax,
    };
  }
  const strataN = strata.map((name, h) => {
    const fpc = clustered ? (fpcSeen[0]!.get(`s${h}`) ?? Number.POSITIVE_INFINITY) : strataFpc[h]!;
    return popsize(fpc, psusPerStratum[h]!, `stratum ${name}`, 1);
  });
  if (clustered) {
    for (const u of units[0]!) u.N = strataN[u.parent]!;
    for (let s = 1; s < stages; s++) {
      units[s]!.forEach((u, i) => {
        u.N = popsize(unitFpc[s]![i]!, u.n, `a stage-${s} unit`, s + 1);
      });
    }
  }
  const lonelyStrata: number[] = [];
  psusPerStratum.forEach((n, h) => {
    const f = Number.isFinite(strataN[h]!) ? (strataN[h]! - n) / strataN[h]! : 1;
    if (n === 1 && f >= 1e-7) lonelyStrata.push(h);
  });
  failOnLonely(lonelyStrata, strata, options.lonelyPsu);
  return { strata, strataIndex, stages: units, keys, psusPerStratum, lonelyStrata, strataN, pps, fSum, fMax };
}

function failOnLonely(lonelyStrata: number[], strata: string[], lonelyPsu: LonelyPsu): void {
  if (lonelyStrata.length && lonelyPsu === "fail") {
    const names = lonelyStrata.map((h) => strata[h]).join(", ");
    throw new Error(
      `stratum ${names} has only one PSU at stage 1; choose lonelyPsu "certainty", "adjust", "average" or "remove" (R: options(survey.lonely.psu))`,
    );
  }
}

function checkConstant(r: StructureRow, s: number, column: string, where: string): number {
  const lo = r.fpcMin[s];
  const hi = r.fpcMax[s];
  if (lo === null || lo === undefined || hi === null || hi === undefined) {
    throw new Error(`fpc column "${column}" is missing in ${where}`);
  }
  if (lo !== hi) throw new Error(`fpc column "${column}" varies within ${where} (${lo} to ${hi})`);
  return lo;
}
