import type { DuckDBValue } from "@duckdb/node-api";
import { keyOf } from "../designStructure.ts";
import { col, columnsOf, queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import { type CellSums, calibrationCorrection } from "./calibrationCorrection.ts";
import { multistageVariance } from "./multistageVariance.ts";
import { pointEstimate } from "./pointEstimate.ts";

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
  options: { by?: string[]; naRm?: boolean; extraParams?: Record<string, DuckDBValue> } = {},
): Promise<DomainEstimates[]> {
  const by = options.by ?? [];
  if (by.length) {
    const available = await columnsOf(design.session, design.relation, design.params);
    for (const b of by)
      if (!available.includes(b)) throw new Error(`domain column "${b}" is not in the data`);
  }
  const cal = design.calibration;
  const clustered = design.unitExprs.length > 0;
  const inner: string[] = ["*"];
  items.forEach((it, k) => {
    const ok =
      it.x !== undefined ? `(${it.y}) is not null and (${it.x}) is not null` : `(${it.y}) is not null`;
    inner.push(`case when ${ok} then (${it.y})::double end as "__y${k}"`);
    inner.push(`case when ${ok} then "__bm_w" end as "__m${k}"`);
    if (it.x !== undefined) inner.push(`case when ${ok} then (${it.x})::double end as "__x${k}"`);
  });
  // after post-stratification or raking alone, w / w_prev is the cell's factor: unweighted sums suffice
  const cellFactorOnly =
    cal !== null && cal.method !== "linear" && design.steps[design.steps.length - 1] !== "trim";
  if (!clustered) inner.push(`row_number() over () as "__bm_row"`);
  const groups: string[] = [
    ...by.map((b, i) => `${col(b)} as "__b${i}"`),
    `${design.stratumExpr} as "__h"`,
    ...(clustered ? design.unitExprs.map((u, s) => `${u} as "__u${s}"`) : [`"__bm_row"`]),
  ];
  if (cal && cal.method !== "linear") groups.push(`"__bm_cell"`);
  const aggs: string[] = ["count(*)"];
  if (cal && cal.method !== "linear") aggs.push(`sum("__bm_wprev")`);
  if (cal && cal.method === "linear") {
    for (let j = 0; j < cal.columns.length; j++) aggs.push(`sum("__bm_psw" * "__bm_x${j}")`);
  }
  const w = `"__bm_w"`;
  items.forEach((it, k) => {
    const y = `"__y${k}"`;
    const x = `"__x${k}"`;
    const m = `"__m${k}"`;
    const f = `filter (where ${y} is not null)`;
    aggs.push(`count(${y})`, `sum(${m})`, `sum(${w} * ${y})`, `sum(${m} * ${w})`, `sum(${w} * ${y} * ${y})`);
    if (it.x !== undefined)
      aggs.push(`sum(${w} * ${x})`, `sum(${w} * ${x} * ${x})`, `sum(${w} * ${x} * ${y})`);
    if (cal && cal.method !== "linear") {
      if (cellFactorOnly) {
        aggs.push(`sum(${y})`);
        if (it.x !== undefined) aggs.push(`sum(${x})`);
      } else {
        const r = `(${w} / "__bm_wprev")`;
        aggs.push(`sum(${r}) ${f}`, `sum(${r} * ${y})`);
        if (it.x !== undefined) aggs.push(`sum(${r} * ${x})`);
      }
    }
    if (cal && cal.method === "linear") {
      cal.columns.forEach((_, j) => {
        const r = `("__bm_x${j}" * ${w} * "__bm_wprev" / "__bm_psw")`;
        aggs.push(`sum(${r}) ${f}`, `sum(${r} * ${y})`);
        if (it.x !== undefined) aggs.push(`sum(${r} * ${x})`);
      });
    }
  });
  const sql = `select ${groups.join(", ")}, ${aggs.join(", ")} from (select ${inner.join(", ")} from ${design.relation}) group by all`;
  const q = await queryColumns(design.session, sql, { ...design.params, ...(options.extraParams ?? {}) });
  const C = q.columns;
  const num = (j: number, r: number) => (C[j]![r] as number | null) ?? 0;

  // column positions
  let j = groups.length;
  const jCount = j++;
  const jWprev = cal && cal.method !== "linear" ? j++ : -1;
  const jPx: number[] = cal && cal.method === "linear" ? cal.columns.map(() => j++) : [];
  const pos = items.map((it) => {
    const p = {
      n: j++,
      sw: j++,
      swy: j++,
      sw2: j++,
      swyy: j++,
      swx: -1,
      swxx: -1,
      swxy: -1,
      sr: -1,
      sry: -1,
      srx: -1,
    };
    if (it.x !== undefined) {
      p.swx = j++;
      p.swxx = j++;
      p.swxy = j++;
    }
    const g: { sg: number; sgy: number; sgx: number }[] = [];
    if (cal && cal.method !== "linear") {
      if (!cellFactorOnly) p.sr = j++;
      p.sry = j++;
      if (it.x !== undefined) p.srx = j++;
    }
    if (cal && cal.method === "linear") {
      for (const _ of cal.columns) g.push({ sg: j++, sgy: j++, sgx: it.x !== undefined ? j++ : -1 });
    }
    return { ...p, g };
  });

  // rows -> domains, units, cells
  const structure = design.structure;
  const S = design.unitExprs.length;
  const nb = by.length;
  const domainIndex = new Map<string, number>();
  const domainBy: (Record<string, string | number | null> | null)[] = [];
  const rowsOf: number[][] = [];
  const unitOfRow = new Int32Array(q.rows);
  const unitsToStrata = clustered ? null : new Int32Array(q.rows);
  const stratumOfRow = new Int32Array(q.rows);
  for (let r = 0; r < q.rows; r++) {
    const hKey = keyOf([C[nb]![r]]);
    const h = structure.strataIndex.get(hKey);
    if (h === undefined) throw new Error(`stratum ${hKey} not in the design (the source changed?)`);
    stratumOfRow[r] = h;
    if (clustered) {
      const ids = [C[nb]![r]];
      for (let s = 0; s < S; s++) ids.push(C[nb + 1 + s]![r]);
      const u = structure.keys[S - 1]!.get(keyOf(ids));
      if (u === undefined) throw new Error(`unit ${keyOf(ids)} not in the design (the source changed?)`);
      unitOfRow[r] = u;
    } else {
      unitOfRow[r] = r;
      unitsToStrata![r] = h;
    }
    const byValues = by.map((_, i) => C[i]![r] as string | number | null);
    if (byValues.some((v) => v === null || v === undefined)) continue;
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

  // calibration: design-level sums per unit and cell over all rows
  let cellSums: CellSums | null = null;
  if (cal) {
    cellSums = {
      units: [],
      cells: [],
      values: [],
      nCell: new Float64Array(0),
      wprevCell: new Float64Array(0),
      px: [],
    };
    if (cal.method !== "linear") {
      const cells = cal.cells.length;
      cellSums.nCell = new Float64Array(cells);
      cellSums.wprevCell = new Float64Array(cells);
      const jCell = groups.length - 1;
      for (let r = 0; r < q.rows; r++) {
        const c = num(jCell, r);
        cellSums.units.push(unitOfRow[r]!);
        cellSums.cells.push(c);
        cellSums.values.push(num(jWprev, r));
        cellSums.nCell[c]! += num(jCount, r);
        cellSums.wprevCell[c]! += num(jWprev, r);
      }
    } else {
      for (let r = 0; r < q.rows; r++) {
        cellSums.units.push(unitOfRow[r]!);
        cellSums.px.push(Float64Array.from(jPx.map((jj) => num(jj, r))));
      }
    }
  }

  const results: DomainEstimates[] = [];
  const order = domainBy.map((_, d) => d).sort((a, b) => compareBy(domainBy[a] ?? null, domainBy[b] ?? null));
  for (const d of order) {
    const rows = rowsOf[d]!;
    const k = items.length;
    const ests: ItemEstimate[] = [];
    const coef: { a: number; b: number; g: number }[] = [];
    const strataPresent = new Set<number>();
    const psusPresent = new Set<number>();
    for (const r of rows) {
      if (num(jCount, r) > 0) {
        strataPresent.add(stratumOfRow[r]!);
        psusPresent.add(clustered ? stage1Of(r) : r);
      }
    }
    for (let i = 0; i < k; i++) {
      const p = pos[i]!;
      const it = items[i]!;
      let n = 0;
      let sw = 0;
      let swy = 0;
      let sw2 = 0;
      let swyy = 0;
      let swx = 0;
      let swxx = 0;
      let swxy = 0;
      let missing = 0;
      for (const r of rows) {
        const nr = num(p.n, r);
        n += nr;
        missing += num(jCount, r) - nr;
        sw += num(p.sw, r);
        swy += num(p.swy, r);
        sw2 += num(p.sw2, r);
        swyy += num(p.swyy, r);
        if (p.swx >= 0) {
          swx += num(p.swx, r);
          swxx += num(p.swxx, r);
          swxy += num(p.swxy, r);
        }
      }
      if (missing > 0 && !options.naRm) {
        const where = domainBy[d] ? ` in domain ${JSON.stringify(domainBy[d])}` : "";
        throw new Error(
          `${it.label} has ${missing} missing value(s)${where}; set naRm to leave those rows out`,
        );
      }
      const pe = pointEstimate(it.kind, { n, sw, swy, sw2, swyy, swx, swxx, swxy });
      coef.push(pe.coef);
      ests.push({
        estimate: pe.estimate,
        variance: Number.NaN,
        n,
        nEff: pe.nEff,
        deff: pe.vsrs,
        weightSum: sw,
      });
    }
    // unit totals of the scores
    const totals = new Map<number, Float64Array>();
    for (const r of rows) {
      const u = unitOfRow[r]!;
      let t = totals.get(u);
      if (!t) {
        t = new Float64Array(k);
        totals.set(u, t);
      }
      for (let i = 0; i < k; i++) {
        const p = pos[i]!;
        const cc = coef[i]!;
        t[i]! += cc.a * num(p.swy, r) + (p.swx >= 0 ? cc.b * num(p.swx, r) : 0) + cc.g * num(p.sw, r);
      }
    }
    if (cal && cellSums) {
      const perItem = items.map((_, i) => {
        const p = pos[i]!;
        const cc = coef[i]!;
        if (cal.method !== "linear") {
          const jCell = groups.length - 1;
          const S = new Float64Array(cal.cells.length);
          const Sw = new Float64Array(cal.cells.length);
          const factor = cal.factor;
          for (const r of rows) {
            const cell = num(jCell, r);
            if (cellFactorOnly) {
              // Σ (w/w_prev)·u = G(cell)·(a·Σy + b·Σx + g·n)
              S[cell]! +=
                factor[cell]! *
                (cc.a * num(p.sry, r) + (p.srx >= 0 ? cc.b * num(p.srx, r) : 0) + cc.g * num(p.n, r));
            } else {
              S[cell]! +=
                cc.a * num(p.sry, r) + (p.srx >= 0 ? cc.b * num(p.srx, r) : 0) + cc.g * num(p.sr, r);
            }
            Sw[cell]! += cc.a * num(p.swy, r) + (p.swx >= 0 ? cc.b * num(p.swx, r) : 0) + cc.g * num(p.sw, r);
          }
          return { S, Sw, Fg: [] as number[] };
        }
        const Fg = p.g.map((g) => {
          let v = 0;
          for (const r of rows)
            v += cc.a * num(g.sgy, r) + (g.sgx >= 0 ? cc.b * num(g.sgx, r) : 0) + cc.g * num(g.sg, r);
          return v;
        });
        return { S: new Float64Array(0), Sw: new Float64Array(0), Fg };
      });
      calibrationCorrection(cal, cellSums, perItem, totals, k);
    }
    const covariance = multistageVariance(
      structure,
      unitsToStrata,
      { totals, k },
      design.spec.lonelyPsu,
      design.calibrated ? null : strataPresent,
    );
    ests.forEach((e, i) => {
      e.variance = covariance[i]![i]!;
      e.deff = e.variance / e.deff;
    });
    results.push({
      by: domainBy[d]!,
      items: ests,
      covariance,
      degf: psusPresent.size - strataPresent.size,
    });
  }
  return results;
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
