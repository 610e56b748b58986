import { col, columnsOf, queryColumns } from "../sql.ts";
import type { TaylorDesign } from "../types.ts";
import type { Margin } from "./types.ts";

/** The sample's cross-classification by every calibration variable: cells, row counts and Σw. */
export interface CellTable {
  variables: string[];
  /** DuckDB type of each variable (as `typeof` names it) */
  types: string[];
  cells: string[][];
  rows: Float64Array;
  weight: Float64Array;
  /** per margin: each cell's index into that margin's `cells`, and the targets */
  margins: { variables: string[]; levelOfCell: Int32Array; levels: string[][]; targets: number[] }[];
}

/**
 * Cross-classify the sample by the margins' variables (one aggregate query) and match each
 * sample cell to its margin cells. Loud failures, each naming the variable, cell or margin:
 * a missing value in a calibration variable; a sample level absent from a margin; a margin cell
 * with a positive count and no sample; margins whose totals differ.
 */
export async function cellTable(design: TaylorDesign, margins: readonly Margin[]): Promise<CellTable> {
  if (design.calibration) {
    throw new Error(
      "the design is already calibrated: calibrate the uncalibrated design once (chained calibrations are not supported)",
    );
  }
  if (!margins.length) throw new Error("no calibration margins given");
  const variables = [...new Set(margins.flatMap((m) => m.variables))];
  const available = await columnsOf(design.session, design.relation, design.params);
  for (const v of variables)
    if (!available.includes(v)) throw new Error(`calibration variable "${v}" is not in the data`);
  const totals = margins.map((m) => m.cells.reduce((a, c) => a + c.count, 0));
  totals.forEach((t, i) => {
    if (Math.abs(t - totals[0]!) > 1e-9 * Math.max(t, totals[0]!)) {
      throw new Error(
        `margin ${margins[i]!.variables.join(" x ")} sums to ${t} but margin ${margins[0]!.variables.join(" x ")} to ${totals[0]}: margins must describe the same population`,
      );
    }
  });
  const missing = await queryColumns(
    design.session,
    `select ${variables.map((v) => `count(*) filter (where ${col(v)} is null)`).join(", ")} from ${design.relation}`,
    design.params,
  );
  variables.forEach((v, i) => {
    const m = missing.columns[i]![0] as number;
    if (m > 0) throw new Error(`calibration variable "${v}" has ${m} missing value(s)`);
  });
  const q = await queryColumns(
    design.session,
    `select ${variables.map((v) => `${col(v)}::varchar`).join(", ")}, count(*), sum("__bm_w") from ${design.relation} group by all order by all`,
    design.params,
  );
  const typed = await queryColumns(
    design.session,
    `select ${variables.map((v) => `typeof(${col(v)})`).join(", ")} from ${design.relation} limit 1`,
    design.params,
  );
  const types = variables.map((_, i) => String(typed.columns[i]![0]));
  const cells: string[][] = [];
  for (let r = 0; r < q.rows; r++) cells.push(variables.map((_, i) => q.columns[i]![r] as string));
  const rows = Float64Array.from(q.columns[variables.length]! as number[]);
  const weight = Float64Array.from(q.columns[variables.length + 1]! as number[]);
  const out = margins.map((m) => {
    const idx = m.variables.map((v) => variables.indexOf(v));
    const levelIndex = new Map<string, number>();
    m.cells.forEach((c, i) => {
      if (c.levels.length !== m.variables.length) {
        throw new Error(
          `margin ${m.variables.join(" x ")}: cell ${JSON.stringify(c.levels)} needs one level per variable`,
        );
      }
      if (!(c.count >= 0))
        throw new Error(
          `margin ${m.variables.join(" x ")}: cell ${c.levels.join(" x ")} has count ${c.count}`,
        );
      levelIndex.set(JSON.stringify(c.levels), i);
    });
    const levelOfCell = new Int32Array(cells.length);
    const sampleWeight = new Float64Array(m.cells.length);
    cells.forEach((cell, c) => {
      const key = idx.map((i) => cell[i]!);
      const g = levelIndex.get(JSON.stringify(key));
      if (g === undefined) {
        throw new Error(
          `sample cell ${m.variables.map((v, i) => `${v}=${key[i]}`).join(", ")} is not in the margin ${m.variables.join(" x ")}`,
        );
      }
      if (m.cells[g]!.count === 0) {
        throw new Error(
          `sample cell ${m.variables.map((v, i) => `${v}=${key[i]}`).join(", ")} has a population count of 0 in its margin`,
        );
      }
      levelOfCell[c] = g;
      sampleWeight[g]! += weight[c]!;
    });
    m.cells.forEach((c, g) => {
      if (c.count > 0 && sampleWeight[g] === 0) {
        throw new Error(
          `margin ${m.variables.join(" x ")}: cell ${c.levels.join(" x ")} has population ${c.count} but no sample rows (an empty sample cell)`,
        );
      }
    });
    return {
      variables: [...m.variables],
      levelOfCell,
      levels: m.cells.map((c) => [...c.levels]),
      targets: m.cells.map((c) => c.count),
    };
  });
  return { variables, types, cells, rows, weight, margins: out };
}

/** Types whose values survive a round trip through VARCHAR exactly, so cells can be joined typed. */
const EXACT_TEXT = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "VARCHAR",
  "BOOLEAN",
]);

/**
 * Relation with weights multiplied by a per-cell factor; adds `__bm_wprev` and `__bm_cell`.
 * The cells travel as one JSON parameter (levels as strings, factors as their shortest
 * round-trip decimal, cast back exactly): binding thousands of list elements costs more than
 * the queries that use the relation. Levels are the sample's own values as text, so for integer,
 * text and boolean variables they are cast back to the column's type and the join compares
 * native values (casting a million rows to text on every query costs several times the join).
 */
export function cellRelation(design: TaylorDesign, table: CellTable, factor: Float64Array) {
  const cells = table.cells.map((c, cell) => ({
    ...Object.fromEntries(table.variables.map((_, i) => [`v${i}`, c[i]!])),
    cell,
    g: String(factor[cell]!),
  }));
  const params = { ...design.params, cal_cells: JSON.stringify(cells) };
  const shape = JSON.stringify({
    ...Object.fromEntries(table.variables.map((_, i) => [`v${i}`, "VARCHAR"])),
    cell: "INTEGER",
    g: "VARCHAR",
  });
  const exact = table.types.map((t) => EXACT_TEXT.has(t));
  const levels = table.variables.map((_, i) => (exact[i] ? `v${i}::${table.types[i]} as v${i}` : `v${i}`));
  const cellsSql = `(select ${levels.join(", ")}, cell, g::double as g from (select unnest(from_json($cal_cells::json, '[${shape}]'), recursive := true)))`;
  const on = table.variables
    .map((v, i) => `__bm_p.${col(v)}${exact[i] ? "" : "::varchar"} = __bm_c.v${i}`)
    .join(" and ");
  const relation = `(select __bm_p.* replace (__bm_p."__bm_w" * __bm_c.g as "__bm_w"), __bm_p."__bm_w" as "__bm_wprev", __bm_c.cell as "__bm_cell" from ${design.relation} as __bm_p join ${cellsSql} as __bm_c on ${on})`;
  return { relation, params };
}
