import type { DuckDBValue } from "@duckdb/node-api";
import { timeSlicer } from "../../db/timeSlicer.ts";
import { keyOf } from "../designStructure.ts";
import { col, inValues, queryNumericColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import type { CellSums } from "./calibrationCorrection.ts";
import type { Item } from "./estimateItems.ts";
import type { Moments } from "./pointEstimate.ts";

/**
 * Where an item's sums are among the numeric columns (-1: not computed): one column per moment,
 * then the calibration residuals' sums.
 */
export interface ItemColumns extends Record<keyof Moments, number> {
  sr: number;
  sry: number;
  srx: number;
  /** linear calibration: per calibration variable, Σ r, Σ r·y, Σ r·x */
  g: { sg: number; sgy: number; sgx: number }[];
}

/**
 * The items' sums at the grain (by columns, stratum, unit[, calibration cell]), as one aggregate
 * query, with every aggregate row placed in the design: its stratum, finest-stage unit and cell.
 * Any domain whose columns are among `by` is a union of these rows, so one `ItemSums` serves
 * several domain sets.
 */
export interface ItemSums {
  rows: number;
  /** per `by` column, the value of each row */
  byValues: unknown[][];
  /** the sums by column position (see `count`, `items`, `wprev`, `px`) */
  V: Float64Array[];
  count: number;
  wprev: number;
  px: number[];
  items: ItemColumns[];
  stratumOfRow: Int32Array;
  unitOfRow: Int32Array;
  /** unclustered designs: every row is its own unit, this its stratum */
  unitsToStrata: Int32Array | null;
  /** unclustered pps designs: f = 1 − π of each row's unit */
  unitF: Float64Array | null;
  cellOfRow: Int32Array | null;
  /** post-stratification or raking alone: w / w_prev is the cell's factor */
  cellFactorOnly: boolean;
}

/** Sum the items over the design's rows, grouped by `by`, stratum, unit and calibration cell. */
export async function itemSums(
  design: TaylorDesign,
  items: Item[],
  by: string[],
  options: {
    direct: boolean;
    extraParams?: Record<string, DuckDBValue>;
    /** only the rows whose column holds one of the values (the design's structure stays whole) */
    where?: { column: string; values: (string | number)[] };
  },
): Promise<ItemSums> {
  const cal = design.calibration;
  const direct = options.direct && cal !== null;
  const clustered = design.unitExprs.length > 0;
  const params = { ...design.params, ...(options.extraParams ?? {}) };
  let whereParams: Record<string, DuckDBValue> = {};
  let where = "";
  if (options.where) {
    const rows = inValues(options.where.column, options.where.values, "__bm_only");
    where = ` where ${rows.sql}`;
    whereParams = rows.params;
  }
  const okOf = (it: Item) =>
    it.x !== undefined ? `(${it.y}) is not null and (${it.x}) is not null` : `(${it.y}) is not null`;
  // items never missing share the rows' count, Σw and Σw² instead of three aggregates each:
  // one cheap ungrouped scan saves a third of the grouped aggregates (and counts the rows)
  const scan = items.length
    ? (
        await queryNumericColumns(
          design.session,
          `select count(*)::double, ${items.map((it) => `count(*) filter (where not (${okOf(it)}))::double`).join(", ")} from ${design.relation}`,
          params,
          0,
        )
      ).numbers.map((c) => c[0]!)
    : [];
  const complete = scan.slice(1).map((missing) => missing === 0);
  const inner: string[] = ["*"];
  items.forEach((it, k) => {
    const ok = okOf(it);
    inner.push(`case when ${ok} then (${it.y})::double end as "__y${k}"`);
    if (!complete[k]) inner.push(`case when ${ok} then "__bm_w" end as "__m${k}"`);
    if (it.x !== undefined) inner.push(`case when ${ok} then (${it.x})::double end as "__x${k}"`);
  });
  const cellFactorOnly =
    cal !== null && cal.method !== "linear" && design.steps[design.steps.length - 1] !== "trim";
  // every row its own finest-stage unit (Brewer over villages then respondents: as many rows
  // as units, every unit having a row): every aggregate row would be one row, so the rows'
  // weights and answers are read and their products formed here (see `rowSums`), not summed by
  // DuckDB. Right either way (the domains add a unit's rows up): this only picks the cheaper read
  const byRow =
    clustered &&
    cal?.method !== "linear" &&
    items.length > 0 &&
    scan[0] === design.structure.stages[design.unitExprs.length - 1]!.length;
  if (!clustered) inner.push(`row_number() over () as "__bm_row"`);
  const groups: string[] = [
    ...by.map((b, i) => `${col(b)} as "__b${i}"`),
    `${design.stratumExpr} as "__h"`,
    ...(clustered ? design.unitExprs.map((u, s) => `${u} as "__u${s}"`) : [`"__bm_row"`]),
  ];
  const rowF = !clustered && design.spec.pps !== null;
  if (rowF) groups.push(`(1 - ${col(design.spec.fpc[0]!)}::double) as "__f"`);
  if (cal && cal.method !== "linear") groups.push(`"__bm_cell"`);
  const aggs: string[] = ["count(*)", `sum("__bm_w")`, `sum("__bm_w" * "__bm_w")`];
  if (direct && cal.method !== "linear") aggs.push(`sum("__bm_wprev")`);
  if (direct && cal.method === "linear") {
    for (let j = 0; j < cal.columns.length; j++) aggs.push(`sum("__bm_psw" * "__bm_x${j}")`);
  }
  const w = `"__bm_w"`;
  items.forEach((it, k) => {
    const y = `"__y${k}"`;
    const x = `"__x${k}"`;
    const m = `"__m${k}"`;
    const f = `filter (where ${y} is not null)`;
    if (complete[k]) aggs.push(`sum(${w} * ${y})`, `sum(${w} * ${y} * ${y})`);
    else
      aggs.push(
        `count(${y})`,
        `sum(${m})`,
        `sum(${w} * ${y})`,
        `sum(${m} * ${w})`,
        `sum(${w} * ${y} * ${y})`,
      );
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
  const from = `from (select ${inner.join(", ")} from ${design.relation})${where}`;
  const sql = byRow
    ? `select ${groups.join(", ")}, ${rowColumns(items, complete, cal !== null && (direct || !cellFactorOnly)).join(", ")} ${from}`
    : `select ${groups.join(", ")}, ${aggs.map((a) => `coalesce(${a}, 0)::double`).join(", ")} ${from} group by all`;
  const q = await queryNumericColumns(design.session, sql, { ...params, ...whereParams }, groups.length);
  const C = q.columns;
  const V = [...C.map(() => new Float64Array(0)), ...(byRow ? [] : q.numbers)];

  // column positions, in the order of `aggs`
  let j = groups.length;
  const count = j++;
  const sumW = j++;
  const sumW2 = j++;
  const wprev = direct && cal.method !== "linear" ? j++ : -1;
  const px: number[] = direct && cal.method === "linear" ? cal.columns.map(() => j++) : [];
  const positions = items.map((it, k): ItemColumns => {
    const shared = complete[k]!;
    const n = shared ? count : j++;
    const sw = shared ? sumW : j++;
    const swy = j++;
    const sw2 = shared ? sumW2 : j++;
    const p: ItemColumns = {
      n,
      sw,
      swy,
      sw2,
      swyy: j++,
      swx: -1,
      swxx: -1,
      swxy: -1,
      sr: -1,
      sry: -1,
      srx: -1,
      g: [],
    };
    if (it.x !== undefined) {
      p.swx = j++;
      p.swxx = j++;
      p.swxy = j++;
    }
    if (cal && cal.method !== "linear") {
      if (!cellFactorOnly) p.sr = j++;
      p.sry = j++;
      if (it.x !== undefined) p.srx = j++;
    }
    if (cal && cal.method === "linear") {
      for (const _ of cal.columns) p.g.push({ sg: j++, sgy: j++, sgx: it.x !== undefined ? j++ : -1 });
    }
    return p;
  });

  if (byRow) {
    for (let c = 0; c < j; c++) if (V[c] === undefined) V[c] = new Float64Array(0);
    rowSums(
      V,
      q.numbers,
      q.rows,
      { count, sumW, sumW2, wprev },
      positions,
      items,
      complete,
      cal,
      cellFactorOnly,
    );
  }

  // rows -> strata, units, cells
  const structure = design.structure;
  const S = design.unitExprs.length;
  const nb = by.length;
  const unitOfRow = new Int32Array(q.rows);
  const unitsToStrata = clustered ? null : new Int32Array(q.rows);
  const stratumOfRow = new Int32Array(q.rows);
  const cellOfRow =
    cal && cal.method !== "linear" ? Int32Array.from(C[groups.length - 1]! as number[]) : null;
  const slice = timeSlicer();
  for (let r = 0; r < q.rows; r++) {
    if ((r & 4095) === 4095) await slice();
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
  }
  return {
    rows: q.rows,
    unitF: rowF ? Float64Array.from(C[nb + 2]! as number[]) : null,
    byValues: C.slice(0, nb),
    V,
    count,
    wprev,
    px,
    items: positions,
    stratumOfRow,
    unitOfRow,
    unitsToStrata,
    cellOfRow,
    cellFactorOnly,
  };
}

/**
 * The columns `rowSums` reads per row: the weight, the previous weight (the direct
 * correction, or raking followed by trimming), then per item its answer (0 where missing), where
 * the item may be missing whether the row has it, and its denominator (ratio items).
 */
function rowColumns(items: Item[], complete: boolean[], wprev: boolean): string[] {
  const out = [`"__bm_w"::double`];
  if (wprev) out.push(`"__bm_wprev"::double`);
  items.forEach((it, k) => {
    out.push(`coalesce("__y${k}", 0)::double`);
    if (!complete[k]) out.push(`("__y${k}" is not null)::double`);
    if (it.x !== undefined) out.push(`coalesce("__x${k}", 0)::double`);
  });
  return out;
}

/**
 * The aggregates of the grouped query, row by row, where each row is its own group
 * (`byRow` in itemSums): the same products as the SQL forms (a sum over one row is its value), in the
 * same order of operations, into the same positions of V.
 */
function rowSums(
  V: Float64Array[],
  read: Float64Array[],
  rows: number,
  at: { count: number; sumW: number; sumW2: number; wprev: number },
  positions: ItemColumns[],
  items: Item[],
  complete: boolean[],
  cal: TaylorDesign["calibration"],
  cellFactorOnly: boolean,
): void {
  let c = 0;
  const w = read[c++]!;
  const wprevRead = at.wprev >= 0 || (cal !== null && !cellFactorOnly);
  const wp = wprevRead ? read[c++]! : null;
  V[at.count] = new Float64Array(rows).fill(1);
  V[at.sumW] = w;
  V[at.sumW2] = times(w, w);
  if (at.wprev >= 0) V[at.wprev] = wp!;
  items.forEach((it, k) => {
    const p = positions[k]!;
    const y = read[c++]!;
    const ok = complete[k] ? null : read[c++]!;
    const x = it.x !== undefined ? read[c++]! : null;
    if (ok) {
      V[p.n] = ok;
      V[p.sw] = times(ok, w);
      V[p.sw2] = times3(ok, w, w);
    }
    V[p.swy] = times(w, y);
    V[p.swyy] = times3(w, y, y);
    if (x) {
      V[p.swx] = times(w, x);
      V[p.swxx] = times3(w, x, x);
      V[p.swxy] = times3(w, x, y);
    }
    if (cal && cal.method !== "linear") {
      if (cellFactorOnly) {
        V[p.sry] = y;
        if (x) V[p.srx] = x;
      } else {
        const ratio = divide(w, wp!);
        V[p.sr] = ok ? times(ok, ratio) : ratio;
        V[p.sry] = times(ratio, y);
        if (x) V[p.srx] = times(ratio, x);
      }
    }
  });
}

/** a·b element by element (one function per form: a callback per element cost ten times as much). */
function times(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let r = 0; r < a.length; r++) out[r] = a[r]! * b[r]!;
  return out;
}

/** (a·b)·c element by element, in the SQL's order. */
function times3(a: Float64Array, b: Float64Array, c: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let r = 0; r < a.length; r++) out[r] = a[r]! * b[r]! * c[r]!;
  return out;
}

function divide(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let r = 0; r < a.length; r++) out[r] = a[r]! / b[r]!;
  return out;
}

/** Design-level sums for the direct correction: every aggregate row's unit, cell and Σ w_prev (or Σ w_cal·X). */
export function cellSumsOf(cal: NonNullable<TaylorDesign["calibration"]>, s: ItemSums): CellSums {
  const { rows, V, unitOfRow, cellOfRow, count, wprev, px } = s;
  const cells = cal.method === "linear" ? 0 : cal.cells.length;
  const sums: CellSums = {
    units: unitOfRow,
    cells: cellOfRow ?? new Int32Array(rows),
    values: wprev >= 0 ? V[wprev]! : new Float64Array(rows),
    nCell: new Float64Array(cells),
    wprevCell: new Float64Array(cells),
    px: new Float64Array(rows * px.length),
  };
  for (let r = 0; r < rows; r++) {
    if (cellOfRow) {
      const c = cellOfRow[r]!;
      sums.nCell[c]! += V[count]![r]!;
      sums.wprevCell[c]! += V[wprev]![r]!;
    }
    px.forEach((jj, l) => {
      sums.px[r * px.length + l] = V[jj]![r]!;
    });
  }
  return sums;
}
