/**
 * The tabulated calibration operator against the direct computation (no external reference: R's
 * 10-sweep residualization, run per item and domain, is the reference the R fixtures check):
 * - the operator's unit corrections Z·F equal R's sweeps applied to the same level sums F;
 * - every domain's estimates, SEs and joint covariance are the same, to 1e-10 relative, whether
 *   the calibration enters through the sweeps, the operator over all units ("dense") or the
 *   operator over the domain's own strata plus Z'VZ ("local"), on raked, raked-then-trimmed
 *   and linearly calibrated designs, one- and two-stage (Brewer's PPS too), with and without
 *   strata, and their Satterthwaite df; the units' corrections formed from Z's rows and from
 *   its factored form by calibration cell (raking) give the same, and so do (two stages, a cell
 *   per unit) the PSUs' moments, the units outside a domain taken by their (PSU, cell) entries;
 * - K = Z'VZ from the (PSU, cell) entries equals K summed unit by unit;
 * - the factored form M, the units' cells and weights, gives Z.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { keyOf } from "../../analysis/designStructure.ts";
import { linearCalibration, type Margin, rake, surveyDesign, trimWeights } from "../../analysis/index.ts";
import { correctionForm, momentFormApplies } from "../../analysis/linearize/calibratedCovariance.ts";
import { type CellSums, calibrationCorrection } from "../../analysis/linearize/calibrationCorrection.ts";
import { calibrationOperator } from "../../analysis/linearize/calibrationOperator.ts";
import { type DomainEstimates, estimateItems, type Item } from "../../analysis/linearize/estimateItems.ts";
import { queryColumns } from "../../analysis/sql.ts";
import type { TaylorDesign } from "../../analysis/types.ts";
import type { Session } from "../../db/Database.ts";
import { API_MARGINS, fixtureSession } from "../analysis/fixtures.ts";

let db: Session;
beforeAll(async () => {
  db = await fixtureSession();
});

const margins = API_MARGINS;
const crossed: Margin = {
  variables: ["stype", "awards"],
  cells: [
    { levels: ["E", "No"], count: 1400 },
    { levels: ["E", "Yes"], count: 3021 },
    { levels: ["H", "No"], count: 400 },
    { levels: ["H", "Yes"], count: 355 },
    { levels: ["M", "No"], count: 500 },
    { levels: ["M", "Yes"], count: 518 },
  ],
};

const items: Item[] = [
  { kind: "mean", y: `"api00"`, label: "api00" },
  { kind: "total", y: `"enroll"`, label: "enroll" },
  { kind: "ratio", y: `"api00"`, x: `"api99"`, label: "api00/api99" },
  { kind: "proportion", y: `("comp_imp" = 'Yes')::int`, label: "comp_imp" },
  { kind: "mean", y: `case when "snum" % 5 = 0 then null else "api99" end`, label: "api99 with gaps" },
];

/** apistrat under Brewer over districts then schools (made-up inclusion probabilities). */
async function apistratBrewer(): Promise<TaylorDesign> {
  await db.run(
    `create or replace view apistrat_pps as
     select *, 0.4 + 0.1 * (dnum % 3) as pi1, 0.5 as pi2 from apistrat`,
  );
  return surveyDesign(db, {
    source: "apistrat_pps",
    ids: ["dnum", "snum"],
    strata: "stype",
    weights: "pw",
    fpc: ["pi1", "pi2"],
    pps: "brewer",
    nest: true,
    lonelyPsu: "adjust",
  });
}

const designs: Record<string, () => Promise<TaylorDesign>> = {
  "one-stage clusters, raked": async () =>
    rake(await surveyDesign(db, { source: "apiclus1", ids: ["dnum"], weights: "pw", fpc: ["fpc"] }), margins),
  "two-stage clusters with fpc, raked on three margins": async () =>
    rake(await surveyDesign(db, { source: "apiclus2", ids: ["dnum", "snum"], fpc: ["fpc1", "fpc2"] }), [
      ...margins,
      crossed,
    ]),
  "strata and clusters, raked then trimmed": async () => {
    const base = await surveyDesign(db, {
      source: "apistrat",
      ids: ["dnum"],
      strata: "stype",
      weights: "pw",
      nest: true,
      lonelyPsu: "adjust",
    });
    const raked = await rake(base, [margins[1]!, crossed]);
    return trimWeights(raked, { upper: 60 });
  },
  // every calibration level belongs to one stratum (stype x awards), so a domain within a
  // stratum touches only that stratum's units (like one wave of a study); Brewer over both
  // stages makes every school a variance unit, and the local path gives the Satterthwaite df
  // from the domain's own strata
  "strata, two stages PPS (Brewer), raked within strata": async () => rake(await apistratBrewer(), [crossed]),
  // the same, raked on a margin across the strata too (sch_wide): a domain within a stratum
  // touches levels other strata share, so its variance takes the other strata through K = Z'VZ
  "strata, two stages PPS (Brewer), raked across strata": async () =>
    rake(await apistratBrewer(), [margins[1]!, crossed]),
  "one-stage clusters, linear calibration": async () =>
    linearCalibration(
      await surveyDesign(db, { source: "apiclus1", ids: ["dnum"], weights: "pw", fpc: ["fpc"] }),
      {
        margins: [margins[0]!],
        totals: { api99: 3914069 },
      },
    ),
};

/** a and b agree within tol (absolute), both NaN (an item with no rows in the domain), or are equal. */
function expectClose(a: number, b: number, tol: number, what: string): void {
  if (Number.isNaN(b)) expect(a, what).toBeNaN();
  else if (a !== b) expect(Math.abs(a - b), what).toBeLessThanOrEqual(tol);
}

/** Same domains, estimates (to the last bits of DuckDB's sums) and covariances (1e-10 relative). */
function expectSameDomains(got: DomainEstimates[], want: DomainEstimates[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, d) => {
    const w = want[d]!;
    const where = `domain ${JSON.stringify(g.by)}`;
    expect(g.by).toEqual(w.by);
    expect(g.degf).toBe(w.degf);
    g.items.forEach((e, i) => {
      // DuckDB may sum in another order from one query to the next
      const want = w.items[i]!.estimate;
      expectClose(e.estimate, want, 1e-13 * Math.abs(want), `${where} estimate ${i}`);
      expect(e.n).toBe(w.items[i]!.n);
    });
    // Satterthwaite df (only on a variance with a stage-2 term)
    expect(g.satterthwaiteDf === undefined).toBe(w.satterthwaiteDf === undefined);
    g.satterthwaiteDf?.forEach((df, i) => {
      expectClose(df, w.satterthwaiteDf![i]!, 1e-8 * w.satterthwaiteDf![i]!, `${where} df ${i}`);
    });
    const k = g.covariance.length;
    for (let a = 0; a < k; a++) {
      // the SE, relative (a constant score has none: zero both ways)
      const se = Math.sqrt(w.covariance[a]![a]!);
      expectClose(Math.sqrt(g.covariance[a]![a]!), se, 1e-10 * se, `${where} se ${a}`);
      // covariances, relative to sqrt(v_aa·v_bb)
      for (let b = 0; b < k; b++) {
        const scale = Math.sqrt(w.covariance[a]![a]! * w.covariance[b]![b]!);
        expectClose(g.covariance[a]![b]!, w.covariance[a]![b]!, 1e-10 * scale, `${where} cov[${a}][${b}]`);
      }
    }
  });
}

describe("calibration operator", () => {
  for (const [name, make] of Object.entries(designs)) {
    it(`${name}: domains agree between the sweeps and the operator`, async () => {
      const design = await make();
      const op = await calibrationOperator(design);
      expect(op).not.toBeNull();
      // the moments form where it applies: two stages, raked (a cell per unit); else the others
      const moments = momentFormApplies(design.structure, op!);
      expect(moments).toBe(/two.stage/.test(name) && /raked/.test(name));
      if (moments) {
        // K = Z'VZ from the (PSU, cell) entries equals K summed unit by unit (another design
        // object: its own operator, built with the moments form off)
        correctionForm.force = "rows";
        const byUnits = await calibrationOperator(await make()).finally(() => {
          correctionForm.force = null;
        });
        const L = op!.size;
        expect(byUnits!.size).toBe(L);
        for (let a = 0; a < L; a++)
          for (let b = 0; b < L; b++) {
            const scale = Math.sqrt(byUnits!.K[a * L + a]! * byUnits!.K[b * L + b]!);
            expectClose(op!.K[a * L + b]!, byUnits!.K[a * L + b]!, 1e-12 * scale, `K[${a}][${b}]`);
          }
      }
      for (const by of [[], ["awards"], ["stype", "comp_imp"], ["cds"]]) {
        const options = { by, naRm: true, df: "satterthwaite" as const };
        const sweeps = await estimateItems(design, items, { ...options, calibrationPath: "sweeps" });
        expect(sweeps.length).toBeGreaterThan(0);
        // the units' corrections from Z's rows and from its factored form by cell (raking)
        for (const path of ["local", "dense", "auto"] as const)
          for (const form of ["rows", "cells", "moments", null] as const) {
            correctionForm.force = form;
            try {
              expectSameDomains(
                await estimateItems(design, items, { ...options, calibrationPath: path }),
                sweeps,
              );
            } finally {
              correctionForm.force = null;
            }
          }
      }
    });
  }

  it("unit corrections Z·F equal R's sweeps applied to the same level sums", async () => {
    const design = await designs["two-stage clusters with fpc, raked on three margins"]!();
    const cal = design.calibration!;
    if (cal.method !== "rake") throw new Error("expected a raked design");
    const op = (await calibrationOperator(design))!;
    const S = design.unitExprs.length;
    const q = await queryColumns(
      design.session,
      `select ${design.stratumExpr}, ${design.unitExprs.join(", ")}, "__bm_cell", count(*)::double, sum("__bm_wprev") from ${design.relation} group by all`,
      design.params,
    );
    const units = Int32Array.from(
      { length: q.rows },
      (_, r) => design.structure.keys[S - 1]!.get(keyOf(q.columns.slice(0, 1 + S).map((c) => c[r])))!,
    );
    const cellOf = Int32Array.from(q.columns[1 + S]! as number[]);
    const sums: CellSums = {
      units,
      cells: cellOf,
      values: Float64Array.from(q.columns[3 + S]! as number[]),
      nCell: new Float64Array(cal.cells.length),
      wprevCell: new Float64Array(cal.cells.length),
      px: new Float64Array(0),
    };
    cellOf.forEach((c, r) => {
      sums.nCell[c]! += q.columns[2 + S]![r] as number;
    });
    // three arbitrary level-sum vectors, one sparse (a single level)
    const k = 3;
    const L = op.size;
    const F = new Float64Array(L * k);
    for (let j = 0; j < L; j++) {
      F[j * k] = Math.sin(j + 1) * 1000;
      F[j * k + 1] = j % 3 === 0 ? (j + 1) / 7 : -2.5;
    }
    F[4 * k + 2] = 123.456;
    const totals = new Map<number, Float64Array>();
    calibrationCorrection(cal, sums, F, k, totals);
    const nUnits = op.Z.length / L;
    let biggest = 0;
    for (const t of totals.values()) for (const v of t) biggest = Math.max(biggest, Math.abs(v));
    expect(biggest).toBeGreaterThan(0);
    for (let u = 0; u < nUnits; u++) {
      const swept = totals.get(u) ?? new Float64Array(k);
      for (let i = 0; i < k; i++) {
        let d = 0;
        for (let j = 0; j < L; j++) d += op.Z[u * L + j]! * F[j * k + i]!;
        // the sweeps subtract the correction from the unit totals
        expect(Math.abs(-swept[i]! - d)).toBeLessThanOrEqual(1e-10 * biggest);
      }
    }
    // the factored form gives Z: Z_u = Σ_c wp_uc Σ_m G_m(c) R_{level_m(c)}
    const cells = op.cells!;
    expect(cells).not.toBeNull();
    const nCells = cells.G.length / cells.margins;
    let worst = 0;
    for (let u = 0; u < nUnits; u++)
      for (let j = 0; j < L; j++) {
        let z = 0;
        for (let e = cells.cellStart[u]!; e < cells.cellStart[u + 1]!; e++)
          for (let m = 0; m < cells.margins; m++) {
            const c = cells.cell[e]!;
            z += cells.cellW[e]! * cells.G[m * nCells + c]! * cells.R[cells.level[m * nCells + c]! * L + j]!;
          }
        worst = Math.max(worst, Math.abs(z - op.Z[u * L + j]!));
      }
    expect(worst).toBeLessThanOrEqual(1e-12);
    expect(cells.cellStart[nUnits]).toBe(q.rows);
  });
});
