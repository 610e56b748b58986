/**
 * `df: "satterthwaite"` (not an R option): the effective df
 * (v1 + v2)² / (Σ_h v1h²/(m_h − 1) + Σ_i v2i²/(n_i − 1)) of a two-stage variance, checked against
 * v1h and v2i computed here by plain arithmetic from the textbook formulas (not by the engine's
 * functions) on a hand-made design: 2 strata, 2–3 PSUs each, 2–4 respondents per PSU, an fpc at
 * both stages. Also: a domain, post-stratification (terms of the calibration residuals), Brewer
 * PPS over both stages, the three calibration paths agreeing, the CI using qt(df), and
 * one-stage / ultimate-cluster / replicate designs giving exactly the design df.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import type { Margin } from "../../analysis/calibration/types.ts";
import { qt } from "../../analysis/distributions/qt.ts";
import {
  asReplicateDesign,
  postStratify,
  rake,
  surveyDesign,
  surveyMean,
  surveyTotal,
} from "../../analysis/index.ts";
import { estimateItems } from "../../analysis/linearize/estimateItems.ts";
import type { SurveyDesign } from "../../analysis/types.ts";
import { type Session, sessionOf } from "../../db/Database.ts";

interface Row {
  stratum: string;
  psu: string;
  id: number;
  /** PSUs in the stratum's population, respondents' population of the PSU */
  N1: number;
  N2: number;
  /** Brewer: inclusion probability of the PSU, and of a respondent within it */
  pi1: number;
  y: number;
  g: string;
  c: string;
}

// stratum, psu, N1, N2, pi1, then per respondent [y, g, c]
const LAYOUT: [string, string, number, number, number, [number, string, string][]][] = [
  [
    "A",
    "a1",
    10,
    8,
    0.3,
    [
      [3, "x", "u"],
      [7, "y", "v"],
      [4, "x", "u"],
    ],
  ],
  [
    "A",
    "a2",
    10,
    5,
    0.2,
    [
      [10, "y", "v"],
      [6, "y", "u"],
    ],
  ],
  [
    "A",
    "a3",
    10,
    12,
    0.5,
    [
      [2, "x", "u"],
      [5, "x", "u"],
      [9, "y", "v"],
      [1, "x", "v"],
    ],
  ],
  [
    "B",
    "b1",
    6,
    7,
    0.4,
    [
      [8, "x", "v"],
      [8, "y", "u"],
      [3, "y", "v"],
    ],
  ],
  [
    "B",
    "b2",
    6,
    9,
    0.6,
    [
      [6, "y", "u"],
      [2, "x", "v"],
      [7, "x", "u"],
      [11, "y", "v"],
    ],
  ],
];
const ROWS: Row[] = [];
for (const [stratum, psu, N1, N2, pi1, resp] of LAYOUT)
  for (const [y, g, c] of resp) ROWS.push({ stratum, psu, id: ROWS.length + 1, N1, N2, pi1, y, g, c });

const strataOf = [...new Set(ROWS.map((r) => r.stratum))];
const psusOf = (h: string) => [...new Set(ROWS.filter((r) => r.stratum === h).map((r) => r.psu))];
const rowsOf = (psu: string) => ROWS.filter((r) => r.psu === psu);
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
/** Σ (x − mean)² with the mean over all of x */
const ss = (x: number[]) => {
  const m = sum(x) / x.length;
  return sum(x.map((v) => (v - m) ** 2));
};

/** base weight of the fpc design: N_h/n_h · M_i/m_i */
const fpcWeight = (r: Row) => (r.N1 / psusOf(r.stratum).length) * (r.N2 / rowsOf(r.psu).length);
/** Brewer: 1/(π1 · π2), π2 = m_i/M_i */
const ppsWeight = (r: Row) => 1 / (r.pi1 * (rowsOf(r.psu).length / r.N2));

interface Hand {
  variance: number;
  df: number;
}

/**
 * The two-stage variance of the scores `z` (one per row, zero outside the domain) and its
 * Satterthwaite df, term by term:
 * - fpc: v1h = (1 − n_h/N_h) n_h/(n_h − 1) Σ_i (t_i − t̄_h)²,
 *        v2i = (n_h/N_h) (1 − m_i/M_i) m_i/(m_i − 1) Σ_j (z_j − z̄_i)²;
 * - Brewer: v1h = n_h/(n_h − 1) Σ_i (1 − π_i)(t_i − t̄_h)²,
 *        v2i = π_i (1 − π2_i) m_i/(m_i − 1) Σ_j (z_j − z̄_i)²;
 * d of a term: its units with rows in the domain (`inDomain`) − 1, all its units when none, at least 1.
 */
function hand(z: number[], inDomain: (r: Row) => boolean, pps: boolean): Hand {
  const zOf = new Map(ROWS.map((r, j) => [r.id, z[j]!]));
  let v = 0;
  let q = 0;
  const dOf = (present: number, all: number) => Math.max((present > 0 ? present : all) - 1, 1);
  for (const h of strataOf) {
    const psus = psusOf(h);
    const n = psus.length;
    const t = psus.map((p) => sum(rowsOf(p).map((r) => zOf.get(r.id)!)));
    let v1: number;
    if (pps) {
      const tbar = sum(t) / n;
      v1 = (n / (n - 1)) * sum(psus.map((p, i) => (1 - rowsOf(p)[0]!.pi1) * (t[i]! - tbar) ** 2));
    } else {
      const N = rowsOf(psus[0]!)[0]!.N1;
      v1 = (1 - n / N) * (n / (n - 1)) * ss(t);
    }
    const m = psus.filter((p) => rowsOf(p).some(inDomain)).length;
    v += v1;
    q += (v1 * v1) / dOf(m, n);
    for (const p of psus) {
      const rs = rowsOf(p);
      const mi = rs.length;
      const M = rs[0]!.N2;
      const zi = rs.map((r) => zOf.get(r.id)!);
      const above = pps ? rs[0]!.pi1 : n / rs[0]!.N1;
      const v2 = above * (1 - mi / M) * (mi / (mi - 1)) * ss(zi);
      v += v2;
      q += (v2 * v2) / dOf(rs.filter(inDomain).length, mi);
    }
  }
  return { variance: v, df: (v * v) / q };
}

/** Linearized scores of the weighted mean of y over a domain: w (y − ŷ)/Σw inside, 0 outside. */
function meanScores(w: number[], inDomain: (r: Row) => boolean): { estimate: number; z: number[] } {
  const W = sum(ROWS.map((r, j) => (inDomain(r) ? w[j]! : 0)));
  const estimate = sum(ROWS.map((r, j) => (inDomain(r) ? w[j]! * r.y : 0))) / W;
  return { estimate, z: ROWS.map((r, j) => (inDomain(r) ? (w[j]! * (r.y - estimate)) / W : 0)) };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const all = () => true;
const inX = (r: Row) => r.g === "x";

let db: Session;
beforeAll(async () => {
  const instance = await DuckDBInstance.create(":memory:");
  db = sessionOf(await instance.connect());
  await db.run(
    "create table two (stratum varchar, psu varchar, id integer, N1 double, N2 double, pi1 double, pi2 double, wpps double, y double, g varchar, c varchar)",
  );
  for (const r of ROWS) {
    const pi2 = rowsOf(r.psu).length / r.N2;
    await db.run(
      `insert into two values ('${r.stratum}', '${r.psu}', ${r.id}, ${r.N1}, ${r.N2}, ${r.pi1}, ${pi2}, ${ppsWeight(r)}, ${r.y}, '${r.g}', '${r.c}')`,
    );
  }
});

const fpcDesign = () =>
  surveyDesign(db, { source: "two", ids: ["psu", "id"], strata: "stratum", fpc: ["N1", "N2"] });
const ppsDesign = () =>
  surveyDesign(db, {
    source: "two",
    ids: ["psu", "id"],
    strata: "stratum",
    weights: "wpps",
    fpc: ["pi1", "pi2"],
    pps: "brewer",
  });

describe('df: "satterthwaite"', () => {
  it("two-stage fpc design: the df from v1h and v2i computed by hand, and the CI on qt(df)", async () => {
    const design = await fpcDesign();
    const w = ROWS.map(fpcWeight);
    const { estimate, z } = meanScores(w, all);
    const h = hand(z, all, false);
    const [e] = await surveyMean(design, "y", { df: "satterthwaite" });
    expect(rel(e!.estimate, estimate)).toBeLessThan(1e-12);
    expect(rel(e!.se ** 2, h.variance)).toBeLessThan(1e-9);
    expect(rel(e!.df, h.df)).toBeLessThan(1e-9);
    // a real two-stage df: between 1 and the design-level bound, not the design's degf
    const [d] = await surveyMean(design, "y", { df: "design" });
    expect(d!.df).toBe(3);
    expect(e!.df).not.toBeCloseTo(3, 3);
    expect(e!.df).toBeGreaterThanOrEqual(1);
    expect(e!.df).toBeLessThanOrEqual(ROWS.length - 2);
    // the interval: estimate ± qt(0.975, df)·se (surveyMean's default is normal)
    const q = qt(0.975, h.df);
    expect(rel(e!.ciHigh - e!.estimate, q * e!.se)).toBeLessThan(1e-9);
    expect(rel(e!.estimate - e!.ciLow, q * e!.se)).toBeLessThan(1e-9);
    const [e90] = await surveyMean(design, "y", { df: "satterthwaite", level: 0.9 });
    expect(rel(e90!.ciHigh - e90!.estimate, qt(0.95, h.df) * e!.se)).toBeLessThan(1e-9);
    // a total: scores w·y
    const [t] = await surveyTotal(design, "y", { df: "satterthwaite" });
    const ht = hand(
      ROWS.map((r, j) => w[j]! * r.y),
      all,
      false,
    );
    expect(rel(t!.se ** 2, ht.variance)).toBeLessThan(1e-9);
    expect(rel(t!.df, ht.df)).toBeLessThan(1e-9);
  });

  it("a domain: scores zero outside it, m_h and n_i counted in it", async () => {
    const design = await fpcDesign();
    const w = ROWS.map(fpcWeight);
    const out = await surveyMean(design, "y", { by: ["g"], df: "satterthwaite" });
    for (const level of ["x", "y"]) {
      const inD = (r: Row) => r.g === level;
      const { estimate, z } = meanScores(w, inD);
      const h = hand(z, inD, false);
      const e = out.find((o) => o.by!.g === level)!;
      expect(rel(e.estimate, estimate)).toBeLessThan(1e-12);
      expect(rel(e.se ** 2, h.variance)).toBeLessThan(1e-9);
      expect(rel(e.df, h.df)).toBeLessThan(1e-9);
      expect(rel(e.ciHigh - e.estimate, qt(0.975, h.df) * e.se)).toBeLessThan(1e-9);
    }
  });

  it("after post-stratification: the terms of the calibration residuals", async () => {
    const design = await fpcDesign();
    const margin: Margin = {
      variables: ["c"],
      cells: [
        { levels: ["u"], count: 60 },
        { levels: ["v"], count: 50 },
      ],
    };
    const ps = await postStratify(design, margin);
    const wOld = ROWS.map(fpcWeight);
    const cellOld = (c: string) => sum(ROWS.map((r, j) => (r.c === c ? wOld[j]! : 0)));
    const w = ROWS.map((r, j) => (wOld[j]! * (r.c === "u" ? 60 : 50)) / cellOld(r.c));
    for (const [by, inD] of [
      [undefined, all],
      [["g"], inX],
    ] as const) {
      const { estimate, z } = meanScores(w, inD);
      // residuals: z − w·h_c, h_c the w_old-weighted cell mean of z/w
      const hc = (c: string) =>
        sum(ROWS.map((r, j) => (r.c === c ? (wOld[j]! * z[j]!) / w[j]! : 0))) / cellOld(c);
      const resid = ROWS.map((r, j) => z[j]! - w[j]! * hc(r.c));
      const h = hand(resid, inD, false);
      const out = await surveyMean(ps, "y", { by: by ? [...by] : undefined, df: "satterthwaite" });
      const e = by ? out.find((o) => o.by!.g === "x")! : out[0]!;
      expect(rel(e.estimate, estimate)).toBeLessThan(1e-12);
      expect(rel(e.se ** 2, h.variance)).toBeLessThan(1e-9);
      expect(rel(e.df, h.df)).toBeLessThan(1e-9);
    }
  });

  it("Brewer PPS over both stages (the coverage simulation's design)", async () => {
    const design = await ppsDesign();
    const w = ROWS.map(ppsWeight);
    const out = await surveyMean(design, "y", { by: ["g"], df: "satterthwaite" });
    const [whole] = await surveyMean(design, "y", { df: "satterthwaite" });
    for (const [e, inD] of [
      [whole!, all],
      [out.find((o) => o.by!.g === "x")!, inX],
    ] as const) {
      const { estimate, z } = meanScores(w, inD);
      const h = hand(z, inD, true);
      expect(rel(e.estimate, estimate)).toBeLessThan(1e-12);
      expect(rel(e.se ** 2, h.variance)).toBeLessThan(1e-9);
      expect(rel(e.df, h.df)).toBeLessThan(1e-9);
    }
  });

  it("raked: the same df whichever way the calibration enters (sweeps, operator local/dense)", async () => {
    const raked = await rake(await ppsDesign(), [
      {
        variables: ["c"],
        cells: [
          { levels: ["u"], count: 60 },
          { levels: ["v"], count: 50 },
        ],
      },
      {
        variables: ["g"],
        cells: [
          { levels: ["x"], count: 45 },
          { levels: ["y"], count: 65 },
        ],
      },
    ]);
    const items = [
      { kind: "mean" as const, y: '"y"', label: "y" },
      { kind: "total" as const, y: '"y"', label: "y" },
    ];
    const runs = await Promise.all(
      (["sweeps", "local", "dense", "auto"] as const).map((calibrationPath) =>
        estimateItems(raked, items, { by: ["g"], df: "satterthwaite", calibrationPath }),
      ),
    );
    const ref = runs[0]!;
    for (const run of runs.slice(1)) {
      run.forEach((d, di) => {
        d.items.forEach((it, i) => {
          expect(rel(it.variance, ref[di]!.items[i]!.variance)).toBeLessThan(1e-9);
          expect(rel(d.satterthwaiteDf![i]!, ref[di]!.satterthwaiteDf![i]!)).toBeLessThan(1e-9);
        });
      });
    }
    for (const d of ref) for (const df of d.satterthwaiteDf!) expect(df).toBeGreaterThanOrEqual(1);
  });

  it("one-stage and ultimate-cluster variances, and replicate designs: exactly the design df", async () => {
    const designs: SurveyDesign[] = [
      await surveyDesign(db, { source: "two", ids: ["psu"], strata: "stratum", fpc: ["N1"] }),
      // two stages of ids but no fpc: ultimate clusters, no stage-2 term
      await surveyDesign(db, { source: "two", ids: ["psu", "id"], strata: "stratum", weights: "wpps" }),
      await surveyDesign(db, { source: "two", ids: ["psu"], strata: "stratum", weights: "wpps" }),
    ];
    designs.push(await asReplicateDesign(await fpcDesign(), { type: "JKn" }));
    for (const design of designs) {
      for (const by of [undefined, ["g"]]) {
        const s = await surveyMean(design, "y", { by, df: "satterthwaite" });
        const d = await surveyMean(design, "y", { by, df: "design" });
        s.forEach((e, i) => {
          expect(e.df).toBe(d[i]!.df);
          // the same interval (DuckDB's parallel sums may differ in the last bits between calls)
          expect(rel(e.ciLow, d[i]!.ciLow)).toBeLessThan(1e-12);
          expect(rel(e.ciHigh, d[i]!.ciHigh)).toBeLessThan(1e-12);
        });
      }
    }
    // the design df of the whole sample: 5 PSUs − 2 strata
    const [e] = await surveyMean(designs[0]!, "y", { df: "satterthwaite" });
    expect(e!.df).toBe(3);
  });

  it("is at least 1 and finite when one term dominates", async () => {
    // a domain in one PSU of one stratum: one stage-1 term (d = 1) and one stage-2 term
    await db.run("create or replace view two_one as select *, psu = 'a2' as only from two");
    const d = await surveyDesign(db, {
      source: "two_one",
      ids: ["psu", "id"],
      strata: "stratum",
      fpc: ["N1", "N2"],
    });
    const out = await surveyMean(d, "y", { by: ["only"], df: "satterthwaite" });
    for (const e of out) {
      expect(Number.isFinite(e.df)).toBe(true);
      expect(e.df).toBeGreaterThanOrEqual(1);
    }
    expect(d.varianceStages).toBe(2);
  });

  it("a domain whose answers are all alike has the design df, not a df of its rounding noise", async () => {
    // S1's answers are all 62.5: its variance is 0 up to rounding (an SE of about 1e-15, from
    // the centring and the raking's residuals), whose terms would give any df at all
    const rows: string[] = [];
    let id = 0;
    for (let h = 0; h < 3; h++)
      for (let p = 0; p < 3; p++)
        for (let j = 0; j < 3 + ((h + 2 * p) % 4); j++) {
          id++;
          const flat = h === 1 ? 62.5 : (id * 7) % 11;
          rows.push(
            `('S${h}', 'S${h}P${p}', ${id}, ${5 + h}, ${8 + p}, ${id % 2}, ${flat}, ${1 + (id % 3) * 0.37})`,
          );
        }
    await db.run(
      "create table alike (stratum varchar, psu varchar, id integer, N1 double, N2 double, sex integer, flat double, w double)",
    );
    await db.run(`insert into alike values ${rows.join(", ")}`);
    const design = await surveyDesign(db, {
      source: "alike",
      ids: ["psu", "id"],
      strata: "stratum",
      fpc: ["N1", "N2"],
      weights: "w",
    });
    const raked = await rake(design, [
      {
        variables: ["sex"],
        cells: [
          { levels: ["0"], count: 40 },
          { levels: ["1"], count: 37 },
        ],
      },
    ]);
    let noisy = 0;
    for (const d of [design, raked]) {
      const m = await surveyMean(d, "flat", { by: ["stratum"], df: "satterthwaite" });
      const s1 = m.find((e) => e.by?.stratum === "S1")!;
      expect(s1.se).toBeLessThan(1e-12);
      if (s1.se > 0) noisy++;
      expect(s1.df).toBe(2); // 3 PSUs − 1
      expect(m.find((e) => e.by?.stratum === "S0")!.df).not.toBe(2);
    }
    expect(noisy, "the case must carry rounding noise to test anything").toBeGreaterThan(0);
  });
});
