import { pfUpper } from "./distributions/pf.ts";
import { estimate } from "./estimate.ts";
import type { Item } from "./linearize/estimateItems.ts";
import { col, queryColumns } from "./sql.ts";
import { invert } from "./surveyGlm.ts";
import type { SurveyDesign } from "./types.ts";

export interface ChisqResult {
  rowLevels: string[];
  colLevels: string[];
  /** Pearson's X² of the weighted table scaled to the rows' count */
  pearson: number;
  /** the Rao–Scott F: X² / trace(Δ) */
  statistic: number;
  ndf: number;
  ddf: number;
  pValue: number;
  /** weighted cell proportions, rows fastest (R's interaction order) */
  proportions: number[];
}

/**
 * Design-based test of independence in a two-way table, as R's `svychisq(~row + col, design)`
 * with its default `statistic = "F"`: the Rao & Scott (1984) second-order correction. With p̂
 * the weighted cell proportions and V their design covariance (one batch of the engine), C the
 * interaction contrasts (the model matrix of ~row*col minus its projection on ~row + col) and
 * D = diag(p̂), Δ = (C'D⁻¹C/N)⁻¹ (C'D⁻¹VD⁻¹C); F = X²/tr(Δ) on d = tr(Δ)²/tr(Δ²) and d·ν
 * degrees of freedom, ν = PSUs − strata of the design, X² Pearson's statistic of the weighted
 * table scaled to N rows.
 *
 * Limits: Taylor and replicate designs (ν is the design's degf); rows missing either variable
 * are left out of the proportions (R's na.rm = TRUE), N counts every row as R does.
 *
 * @example
 * const x = await surveyChisq(design, "sch_wide", "stype"); // x.statistic, x.pValue
 */
export async function surveyChisq(
  design: SurveyDesign,
  rowVar: string,
  colVar: string,
): Promise<ChisqResult> {
  const levelsOf = async (v: string) =>
    (
      await queryColumns(
        design.session,
        `select distinct ${col(v)}::varchar from ${design.relation} where ${col(v)} is not null order by 1`,
        design.params,
      )
    ).columns[0] as string[];
  const rl = await levelsOf(rowVar);
  const cl = await levelsOf(colVar);
  const nr = rl.length;
  const nc = cl.length;
  if (nr < 2 || nc < 2)
    throw new Error(`a two-way table needs two levels or more in "${rowVar}" and "${colVar}"`);
  const params: Record<string, string> = {};
  rl.forEach((v, i) => {
    params[`chr_${i}`] = v;
  });
  cl.forEach((v, i) => {
    params[`chc_${i}`] = v;
  });
  const both = `${col(rowVar)} is not null and ${col(colVar)} is not null`;
  const items: Item[] = [];
  for (let c = 0; c < nc; c++)
    for (let r = 0; r < nr; r++)
      items.push({
        kind: "mean",
        y: `case when ${both} then (${col(rowVar)}::varchar = $chr_${r} and ${col(colVar)}::varchar = $chc_${c})::int end`,
        label: `cell ${rl[r]}:${cl[c]}`,
      });
  const [d] = await estimate({ ...design, params: { ...design.params, ...params } } as SurveyDesign, items, {
    naRm: true,
  });
  const p = d!.items.map((e) => e.estimate);
  const V = d!.covariance;
  const N = design.rows;
  const nu = design.kind === "taylor" ? designDegf(design) : design.degf;
  // Pearson's X² of the table N·p̂
  const rowSum = new Array<number>(nr).fill(0);
  const colSum = new Array<number>(nc).fill(0);
  for (let c = 0; c < nc; c++)
    for (let r = 0; r < nr; r++) {
      rowSum[r]! += p[r + nr * c]!;
      colSum[c]! += p[r + nr * c]!;
    }
  let pearson = 0;
  for (let c = 0; c < nc; c++)
    for (let r = 0; r < nr; r++) {
      const e = N * rowSum[r]! * colSum[c]!;
      const o = N * p[r + nr * c]!;
      pearson += ((o - e) * (o - e)) / e;
    }
  // C: interaction indicators minus their least-squares projection on the main effects
  const K = nr * nc;
  const X1: number[][] = [];
  const X2: number[][] = [];
  for (let c = 0; c < nc; c++)
    for (let r = 0; r < nr; r++) {
      X1.push([
        1,
        ...rl.slice(1).map((_, i) => (r === i + 1 ? 1 : 0)),
        ...cl.slice(1).map((_, j) => (c === j + 1 ? 1 : 0)),
      ]);
      const inter: number[] = [];
      for (let j = 1; j < nc; j++) for (let i = 1; i < nr; i++) inter.push(r === i && c === j ? 1 : 0);
      X2.push(inter);
    }
  const XtX = invert(transpose(X1).map((a) => transpose(X1).map((b) => dot(a, b))));
  const H = X1.map((xi) =>
    X1.map((xj) =>
      dot(
        xi,
        XtX.map((row) => dot(row, xj)),
      ),
    ),
  );
  const C = X2.map((_, i) =>
    X2[0]!.map((_, j) => X2[i]![j]! - H[i]!.reduce((s, h, k) => s + h * X2[k]![j]!, 0)),
  );
  const iD = p.map((v) => (v === 0 ? 0 : 1 / v));
  const Ct = transpose(C);
  const denom = Ct.map((a) => Ct.map((b) => a.reduce((s, v, k) => s + (v * iD[k]! * b[k]!) / N, 0)));
  const DVD = Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => iD[i]! * V[i]![j]! * iD[j]!),
  );
  const numr = Ct.map((a) =>
    Ct.map((b) => a.reduce((s, v, k) => s + v * DVD[k]!.reduce((t, m, l) => t + m * b[l]!, 0), 0)),
  );
  const inv = invert(denom);
  const Delta = inv.map((row) => numr[0]!.map((_, j) => row.reduce((s, v, k) => s + v * numr[k]![j]!, 0)));
  const tr = Delta.reduce((s, row, i) => s + row[i]!, 0);
  let tr2 = 0;
  for (let i = 0; i < Delta.length; i++)
    for (let j = 0; j < Delta.length; j++) tr2 += Delta[i]![j]! * Delta[j]![i]!;
  const d0 = (tr * tr) / tr2;
  const statistic = pearson / tr;
  return {
    rowLevels: rl,
    colLevels: cl,
    pearson,
    statistic,
    ndf: d0,
    ddf: d0 * nu,
    pValue: pfUpper(statistic, d0, d0 * nu),
    proportions: p,
  };
}

/** R's degf of a Taylor design: PSUs (rows when unclustered) minus strata. */
function designDegf(design: Extract<SurveyDesign, { kind: "taylor" }>): number {
  const st = design.structure;
  const psus = design.unitExprs.length ? st.stages[0]!.length : design.rows;
  return psus - st.strata.length;
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const transpose = (A: number[][]) => A[0]!.map((_, j) => A.map((row) => row[j]!));
