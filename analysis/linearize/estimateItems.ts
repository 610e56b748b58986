import type { DuckDBValue } from "@duckdb/node-api";
import { timeSlicer } from "../../db/timeSlicer.ts";
import { keyOf } from "../designStructure.ts";
import { columnsOf } from "../sql.ts";
import type { EstimateOptions, TaylorDesign } from "../types.ts";
import { calibratedCovariance } from "./calibratedCovariance.ts";
import { type CellSums, calibrationCorrection } from "./calibrationCorrection.ts";
import { type CalibrationOperator, calibrationOperator } from "./calibrationOperator.ts";
import { cellSumsOf, type ItemSums, itemSums } from "./itemSums.ts";
import { type DfTerms, multistageVariance, satterthwaiteDf } from "./multistageVariance.ts";
import { pointEstimate } from "./pointEstimate.ts";
import { levelOffsets } from "./rakeSweeps.ts";
import { UnitRows } from "./unitRows.ts";

export type ItemKind = "mean" | "total" | "ratio" | "proportion";

/** One linear statistic: `y` (and `x` for a ratio) are SQL expressions over the design relation. */
export interface Item {
  kind: ItemKind;
  y: string;
  x?: string;
  label: string;
}

export interface ItemEstimate {
  estimate: number;
  variance: number;
  /** rows in the domain with the variable present */
  n: number;
  nEff: number;
  /** design effect against SRS without replacement, as svymean(deff = TRUE) */
  deff: number;
  /** estimated population size of the domain (Σw over rows with the variable present) */
  weightSum: number;
  /** replicate designs: variance of logit(p) over replicates (R's svyglm on a replicate design) */
  logitVariance?: number;
}

export interface DomainEstimates {
  by: Record<string, string | number | null> | null;
  items: ItemEstimate[];
  /** joint covariance of the items' estimates within this domain */
  covariance: number[][];
  /** PSUs with rows in the domain minus strata with rows in the domain (R's degf of the subset) */
  degf: number;
  /**
   * Per item, the Satterthwaite effective df of its variance (`df: "satterthwaite"`, not an R
   * option): only computed when asked for and the variance has a stage-2 term; otherwise
   * absent, and "satterthwaite" means `degf`.
   */
  satterthwaiteDf?: number[];
}

/** Options of `estimateItems` and `estimateItemsBySets`. */
export interface ItemsOptions {
  naRm?: boolean;
  extraParams?: Record<string, DuckDBValue>;
  /**
   * How the calibration enters the variance; for tests, which compare the ways. "sweeps": R's
   * computation for every domain; "local" / "dense": the design's tabulated operator (see
   * calibratedCovariance); "auto" (default): the operator where it applies, the cheaper way.
   */
  calibrationPath?: "auto" | "sweeps" | "local" | "dense";
  /** only `"satterthwaite"` changes the work: the variance terms are kept for `satterthwaiteDf` */
  df?: EstimateOptions["df"];
  only?: EstimateOptions["only"];
  covarianceBlocks?: EstimateOptions["covarianceBlocks"];
}

/**
 * Point estimates and linearization variances of several linear statistics over domains, from
 * one aggregate query: rows are summed in DuckDB to (domain, stratum, unit[, calibration cell])
 * and the variance arithmetic runs on those sums. Semantics follow R's svymean / svytotal /
 * svyratio with svyby (a domain keeps the full design) and na.rm (missing rows leave the domain).
 */
export async function estimateItems(
  design: TaylorDesign,
  items: Item[],
  options: ItemsOptions & { by?: string[] } = {},
): Promise<DomainEstimates[]> {
  const [domains] = await estimateItemsBySets(design, items, [options.by ?? []], options);
  return domains!;
}

/**
 * `estimateItems` for several domain sets at once (e.g. by wave, by wave x township, by wave x
 * sex), from ONE aggregate query at the grain of all their columns together: each set's domains
 * are unions of those rows, so the results equal one `estimateItems` call per set up to the
 * order of floating-point summation. Rows missing a set's domain column belong to no domain of
 * that set (as in `estimateItems`), and stay in the other sets.
 */
export async function estimateItemsBySets(
  design: TaylorDesign,
  items: Item[],
  bySets: string[][],
  options: ItemsOptions = {},
): Promise<DomainEstimates[][]> {
  const all = [...new Set(bySets.flat())];
  const only = options.only;
  if (all.length) {
    const available = await relationColumns(design);
    for (const b of all)
      if (!available.includes(b)) throw new Error(`domain column "${b}" is not in the data`);
  }
  const cal = design.calibration;
  // calibration: the design's tabulated correction, or design-level sums to compute it directly
  const path = options.calibrationPath ?? "auto";
  const single = bySets.length === 1 && all.length === 0;
  const op =
    cal && path !== "sweeps"
      ? await calibrationOperator(design, { ifBuilt: path === "auto" && single, only })
      : null;
  // the other domains' rows are left unread where no figure of these domains reads them: a
  // clustered design's rows are found by their units, and the calibration's correction comes
  // from the tabulated operator (its design-level sums otherwise)
  const where =
    only && design.unitExprs.length > 0 && (cal === null || op !== null)
      ? { column: only.column, values: only.values }
      : undefined;
  const sums = await itemSums(design, items, all, {
    direct: cal !== null && op === null,
    extraParams: options.extraParams,
    where,
  });
  const cellSums = cal && op === null ? cellSumsOf(cal, sums) : null;
  const out: DomainEstimates[][] = [];
  // a set can take seconds: a server running this answers its requests in between
  const slice = timeSlicer();
  for (const by of bySets) {
    out.push(
      await domainsOf(
        design,
        items,
        sums,
        by,
        by.map((b) => all.indexOf(b)),
        op,
        cellSums,
        options,
        slice,
      ),
    );
  }
  return out;
}

/** The domains of one set from the sums: `columns` are the set's positions among the sums' by columns. */
async function domainsOf(
  design: TaylorDesign,
  items: Item[],
  q: ItemSums,
  by: string[],
  columns: number[],
  op: CalibrationOperator | null,
  sums: CellSums | null,
  options: ItemsOptions,
  slice: () => Promise<void> | undefined,
): Promise<DomainEstimates[]> {
  const cal = design.calibration;
  const clustered = design.unitExprs.length > 0;
  const path = options.calibrationPath ?? "auto";
  const V = q.V;
  const pos = q.items;
  const cellFactorOnly = q.cellFactorOnly;
  const { unitOfRow, stratumOfRow, cellOfRow, unitsToStrata, unitF } = q;
  const jCount = q.count;
  const structure = design.structure;
  const S = design.unitExprs.length;
  // Satterthwaite df: only when the variance has a stage-2 term (every stage has an fpc, so
  // unitExprs holds two or more stages); one-stage / ultimate-cluster variances keep degf
  const satterthwaite = options.df === "satterthwaite" && S >= 2;
  // its upper bound: the design-level df, finest-stage units minus strata
  const dfBound = satterthwaite ? structure.stages[S - 1]!.length - structure.strata.length : 0;
  const nb = by.length;
  const domainIndex = new Map<string, number>();
  const domainBy: (Record<string, string | number | null> | null)[] = [];
  const rowsOf: number[][] = [];
  const byColumns = columns.map((c) => q.byValues[c]!);
  const onlyAt = options.only ? by.indexOf(options.only.column) : -1;
  const onlyValues = new Set(options.only?.values.map(String));
  for (let r = 0; r < q.rows; r++) {
    const byValues = byColumns.map((c) => c[r] as string | number | null);
    if (byValues.some((v) => v === null || v === undefined)) continue;
    if (onlyAt >= 0 && !onlyValues.has(String(byValues[onlyAt]))) continue;
    const dk = keyOf(byValues);
    let d = domainIndex.get(dk);
    if (d === undefined) {
      d = domainBy.length;
      domainIndex.set(dk, d);
      domainBy.push(nb ? Object.fromEntries(by.map((b, i) => [b, normalizeKey(byValues[i])])) : null);
      rowsOf.push([]);
    }
    rowsOf[d]!.push(r);
  }
  if (!nb && domainBy.length === 0) {
    domainBy.push(null);
    rowsOf.push([]);
  }
  const stage1Of = (r: number): number => {
    let u = unitOfRow[r]!;
    for (let s = S - 1; s >= 1; s--) u = structure.stages[s]![u]!.parent;
    return u;
  };

  const k = items.length;
  const blockEnd = covarianceBlockEnds(options.covarianceBlocks, k);
  const L = cal === null ? 0 : cal.method === "linear" ? cal.columns.length : cal.cells.length;
  const offsets = cal && cal.method === "rake" ? levelOffsets(cal) : [0];
  const levelMark = new Int32Array(Math.max(offsets[offsets.length - 1]!, L)).fill(-1);
  const levelLocal = new Int32Array(levelMark.length);
  const cellMark = new Int32Array(cellOfRow ? L : 0).fill(-1);
  const unitMark = new Int32Array(clustered ? structure.stages[S - 1]!.length : q.rows).fill(-1);
  const unitLocal = new Int32Array(unitMark.length);
  const cellLocal = new Int32Array(cellMark.length);

  const results: DomainEstimates[] = [];
  const order = domainBy.map((_, d) => d).sort((a, b) => compareBy(domainBy[a] ?? null, domainBy[b] ?? null));
  for (const d of order) {
    await slice();
    const rows = rowsOf[d]!;
    const ests: ItemEstimate[] = [];
    const coef: { a: number; b: number; g: number }[] = [];
    const strataPresent = new Set<number>();
    const psusPresent = new Set<number>();
    const count = V[jCount]!;
    for (const r of rows) {
      if (count[r]! > 0) {
        strataPresent.add(stratumOfRow[r]!);
        psusPresent.add(clustered ? stage1Of(r) : r);
      }
    }
    for (let i = 0; i < k; i++) {
      const p = pos[i]!;
      const it = items[i]!;
      const m = { n: 0, sw: 0, swy: 0, sw2: 0, swyy: 0, swx: 0, swxx: 0, swxy: 0 };
      let missing = 0;
      const [vn, vsw, vswy, vsw2, vswyy] = [V[p.n]!, V[p.sw]!, V[p.swy]!, V[p.sw2]!, V[p.swyy]!];
      for (const r of rows) {
        const nr = vn[r]!;
        m.n += nr;
        missing += count[r]! - nr;
        m.sw += vsw[r]!;
        m.swy += vswy[r]!;
        m.sw2 += vsw2[r]!;
        m.swyy += vswyy[r]!;
      }
      if (p.swx >= 0) {
        const [vswx, vswxx, vswxy] = [V[p.swx]!, V[p.swxx]!, V[p.swxy]!];
        for (const r of rows) {
          m.swx += vswx[r]!;
          m.swxx += vswxx[r]!;
          m.swxy += vswxy[r]!;
        }
      }
      if (missing > 0 && !options.naRm) {
        const where = domainBy[d] ? ` in domain ${JSON.stringify(domainBy[d])}` : "";
        throw new Error(
          `${it.label} has ${missing} missing value(s)${where}; set naRm to leave those rows out`,
        );
      }
      const pe = pointEstimate(it.kind, m);
      coef.push(pe.coef);
      ests.push({
        estimate: pe.estimate,
        variance: Number.NaN,
        n: m.n,
        nEff: pe.nEff,
        deff: pe.vsrs,
        weightSum: m.sw,
      });
    }
    // unit totals of the scores: per row its domain-local unit, then item by item
    const units: number[] = [];
    const localUnit = new Int32Array(rows.length);
    rows.forEach((r, x) => {
      const u = unitOfRow[r]!;
      if (unitMark[u] !== d) {
        unitMark[u] = d;
        unitLocal[u] = units.length;
        units.push(u);
      }
      localUnit[x] = unitLocal[u]!;
    });
    /**
     * adds, per row x and item i, the item's score Σ a·y + b·x + g over its columns (sy, sx, s1:
     * `columnsOf(i)`) to out[at[x]·k + i], times by[x] when given. Items go a block of 8 at a
     * time (a cache line of `out`), not one per pass over the rows (which wrote one double in
     * every k): 14% less time at a million rows and 45 items (scratch timing, 1.79 s against
     * 1.55 s). Each out[·] gets its rows' terms in row order, as before: the same sums to the bit.
     */
    const addScores = (
      out: Float64Array,
      at: Int32Array,
      columnsOf: (i: number) => readonly [number, number, number],
      by?: Float64Array,
    ) => {
      for (let i0 = 0; i0 < k; i0 += SCORE_BLOCK) {
        const nb = Math.min(SCORE_BLOCK, k - i0);
        const a = new Float64Array(nb);
        const b = new Float64Array(nb);
        const g = new Float64Array(nb);
        const vy: Float64Array[] = [];
        const vx: (Float64Array | null)[] = [];
        const v1: Float64Array[] = [];
        for (let j = 0; j < nb; j++) {
          const c = coef[i0 + j]!;
          const [sy, sx, s1] = columnsOf(i0 + j);
          a[j] = c.a;
          b[j] = c.b;
          g[j] = c.g;
          vy.push(V[sy]!);
          vx.push(sx >= 0 ? V[sx]! : null);
          v1.push(V[s1]!);
        }
        for (let x = 0; x < rows.length; x++) {
          const r = rows[x]!;
          const o = at[x]! * k + i0;
          const f = by ? by[x]! : 1;
          for (let j = 0; j < nb; j++) {
            const vxj = vx[j];
            const v = a[j]! * vy[j]![r]! + (vxj ? b[j]! * vxj[r]! : 0) + g[j]! * v1[j]![r]!;
            out[o + j]! += by ? f * v : v;
          }
        }
      }
    };
    const unitTotals = new Float64Array(units.length * k);
    addScores(unitTotals, localUnit, (i) => [pos[i]!.swy, pos[i]!.swx, pos[i]!.sw]);
    // read by unit through the domain's positions (unitMark / unitLocal), valid until the next domain
    const totals = new UnitRows(units, unitTotals, k, unitMark, unitLocal, d);
    // Satterthwaite: per finest unit of the domain, per item, whether it has rows of the item
    let df: DfTerms | null = null;
    if (satterthwaite) {
      const flags = new Uint8Array(units.length * k);
      // a block of items per pass, as addScores
      for (let i0 = 0; i0 < k; i0 += SCORE_BLOCK) {
        const vn = pos.slice(i0, i0 + SCORE_BLOCK).map((p) => V[p.n]!);
        for (let x = 0; x < rows.length; x++) {
          const r = rows[x]!;
          const o = localUnit[x]! * k + i0;
          for (let j = 0; j < vn.length; j++) if (vn[j]![r]! > 0) flags[o + j] = 1;
        }
      }
      const present = new UnitRows(units, flags, k, unitMark, unitLocal, d);
      df = { present, strata: strataPresent, sum: new Float64Array(k), sumSq: new Float64Array(k) };
    }
    let covariance: number[][];
    if (cal) {
      // F: what the correction needs of the scores, on the levels (cells, variables) touched
      let F: Float64Array;
      const levels: number[] = [];
      if (cal.method === "linear") {
        F = new Float64Array(L * k);
        const at = new Int32Array(rows.length);
        for (let jj = 0; jj < L; jj++) {
          levels.push(jj);
          at.fill(jj);
          addScores(F, at, (i) => {
            const g = pos[i]!.g[jj]!;
            return [g.sgy, g.sgx, g.sg];
          });
        }
      } else {
        // per touched cell: Σ score (post-stratification) or Σ score·w_prev/w (raking)
        const cells: number[] = [];
        const localCell = new Int32Array(rows.length);
        const factor = cellFactorOnly ? new Float64Array(rows.length) : undefined;
        rows.forEach((r, x) => {
          const c = cellOfRow![r]!;
          if (cellMark[c] !== d) {
            cellMark[c] = d;
            cellLocal[c] = cells.length;
            cells.push(c);
          }
          localCell[x] = cellLocal[c]!;
          if (factor) factor[x] = cal.factor[c]!;
        });
        const Sc = new Float64Array(cells.length * k);
        if (cal.method === "poststratify")
          addScores(Sc, localCell, (i) => [pos[i]!.swy, pos[i]!.swx, pos[i]!.sw]);
        else if (factor) addScores(Sc, localCell, (i) => [pos[i]!.sry, pos[i]!.srx, pos[i]!.n], factor);
        else addScores(Sc, localCell, (i) => [pos[i]!.sry, pos[i]!.srx, pos[i]!.sr]);
        if (cal.method === "poststratify") {
          F = new Float64Array(L * k);
          cells.forEach((c, lc) => {
            F.set(Sc.subarray(lc * k, lc * k + k), c * k);
          });
        } else {
          // margin-level sums F0 = Σ_cells S/G_m, over the touched levels only for the operator
          F = new Float64Array((op ? cells.length * cal.margins.length : offsets[offsets.length - 1]!) * k);
          cells.forEach((c, lc) => {
            cal.margins.forEach((m, mi) => {
              let jl = offsets[mi]! + m.levelOfCell[c]!;
              if (op) {
                if (levelMark[jl] !== d) {
                  levelMark[jl] = d;
                  levelLocal[jl] = levels.length;
                  levels.push(jl);
                }
                jl = levelLocal[jl]!;
              }
              const G = cal.stepFactor[mi]![c]!;
              for (let i = 0; i < k; i++) F[jl * k + i]! += Sc[lc * k + i]! / G;
            });
          });
        }
      }
      if (op) {
        covariance = calibratedCovariance(
          structure,
          design.spec.lonelyPsu,
          op,
          totals,
          F,
          levels,
          [...strataPresent],
          k,
          path === "sweeps" ? "auto" : path,
          df,
          blockEnd,
        );
      } else {
        // the correction adds units outside the domain: a Map of the domain's units to start from
        const corrected = new Map<number, Float64Array>(totals);
        calibrationCorrection(cal, sums!, F, k, corrected);
        covariance = multistageVariance(
          structure,
          unitsToStrata,
          { totals: corrected, k },
          design.spec.lonelyPsu,
          null,
          unitF,
          df,
          false,
          blockEnd,
        );
      }
    } else {
      // R subsets calibrated and pps designs by zeroing weights, keeping every stratum
      covariance = multistageVariance(
        structure,
        unitsToStrata,
        { totals, k },
        design.spec.lonelyPsu,
        design.calibrated || structure.pps ? null : strataPresent,
        unitF,
        df,
        !design.calibrated && !structure.pps && design.spec.adjustDomainLonely,
        blockEnd,
      );
    }
    ests.forEach((e, i) => {
      e.variance = covariance[i]![i]!;
      e.deff = e.variance / e.deff;
    });
    const degf = psusPresent.size - strataPresent.size;
    const terms = df;
    results.push({
      by: domainBy[d]!,
      items: ests,
      covariance,
      degf,
      ...(terms
        ? {
            // a variance that is rounding noise (every answer in the domain alike: an SE below
            // 1e-8 of the estimate) has no df of its own, whatever its noise terms say: the
            // design df, as for a variance of exactly 0 (the same in any order of summation)
            satterthwaiteDf: ests.map((e, i) =>
              e.variance <= (1e-8 * e.estimate) ** 2
                ? satterthwaiteDf(0, 0, dfBound, degf)
                : satterthwaiteDf(terms.sum[i]!, terms.sumSq[i]!, dfBound, degf),
            ),
          }
        : {}),
    });
  }
  return results;
}

/** Items per pass of `addScores`: 8 doubles, a cache line of the totals it adds to. */
const SCORE_BLOCK = 8;

/**
 * Per item, the end (exclusive) of its covariance block (`EstimateOptions.covarianceBlocks`):
 * null without blocks. Throws when a block's items are not adjacent.
 */
export function covarianceBlockEnds(blocks: (string | number)[] | undefined, k: number): Int32Array | null {
  if (!blocks) return null;
  if (blocks.length !== k)
    throw new Error(`covarianceBlocks: one block per request (${blocks.length} for ${k} requests)`);
  const end = new Int32Array(k);
  const seen = new Set<string | number>();
  let start = 0;
  for (let a = 1; a <= k; a++) {
    if (a < k && blocks[a] === blocks[start]) continue;
    if (seen.has(blocks[start]!))
      throw new Error(
        `covarianceBlocks: the requests of block ${JSON.stringify(blocks[start])} are not adjacent`,
      );
    seen.add(blocks[start]!);
    end.fill(a, start, a);
    start = a;
  }
  return end;
}

/** A design's relation does not change: its columns are asked once. */
const columnsCache = new WeakMap<TaylorDesign, Promise<string[]>>();
function relationColumns(design: TaylorDesign): Promise<string[]> {
  let columns = columnsCache.get(design);
  if (!columns) {
    columns = columnsOf(design.session, design.relation, design.params);
    columnsCache.set(design, columns);
    columns.catch(() => columnsCache.delete(design));
  }
  return columns;
}

function normalizeKey(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  return String(v);
}

function compareBy(a: Record<string, unknown> | null, b: Record<string, unknown> | null): number {
  if (!a || !b) return 0;
  for (const k of Object.keys(a)) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
