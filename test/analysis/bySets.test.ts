/**
 * `surveyEstimatesBySets` against the engine itself: one pass over the rows for several domain
 * sets must give, set by set, what `surveyEstimates` gives for that set alone (the sums differ
 * only in the order of addition), on raked designs, with a domain column missing for some rows
 * (those rows leave that column's sets and stay in the others).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Margin } from "../../analysis/calibration/types.ts";
import {
  type BatchResult,
  designWithColumns,
  type EstimateRequest,
  postStratify,
  rake,
  surveyDesign,
  surveyEstimates,
  surveyEstimatesBySets,
  type TaylorDesign,
} from "../../analysis/index.ts";
import { calibrationOperator } from "../../analysis/linearize/calibrationOperator.ts";
import type { Session } from "../../db/Database.ts";
import { API_MARGINS, fixtureSession } from "./fixtures.ts";

let db: Session;
beforeAll(async () => {
  db = await fixtureSession();
  // "band": a breakdown missing for every fourth school, as a demographic some respondents skip
  for (const t of ["apiclus2", "apistrat"]) {
    await db.run(
      `create table ${t}_band as select *, case when snum % 4 = 0 then null when api00 >= 700 then 'high' else 'low' end as band from ${t}`,
    );
  }
});

const margins = API_MARGINS;

const requests: EstimateRequest[] = [
  { kind: "mean", variable: "api00" },
  { kind: "total", variable: "enroll" },
  { kind: "ratio", numerator: "api00", denominator: "api99" },
  { kind: "proportion", condition: `"comp_imp" = 'Yes'` },
  { kind: "proportion", condition: `case when "snum" % 5 = 0 then null else "awards" = 'Yes' end` },
];

const bySets = [[], ["stype"], ["band"], ["stype", "band"], ["awards", "stype"], ["dnum"]];

/** Schools in districts, stratified by school type. */
const stratifiedClusters = () =>
  surveyDesign(db, {
    source: "apistrat_band",
    ids: ["dnum"],
    strata: "stype",
    weights: "pw",
    nest: true,
    lonelyPsu: "adjust",
  });

const designs: Record<string, () => Promise<TaylorDesign>> = {
  "two-stage clusters with fpc, raked": async () =>
    rake(
      await surveyDesign(db, { source: "apiclus2_band", ids: ["dnum", "snum"], fpc: ["fpc1", "fpc2"] }),
      margins,
    ),
  "strata and clusters, raked": async () => rake(await stratifiedClusters(), [margins[1]!]),
};

/**
 * Margins crossed with school type, as a study's margins are crossed with the wave: the rows of
 * one school type share no margin level with the others'.
 */
const CROSSED_MARGINS: Margin[] = [
  {
    variables: ["stype", "sch_wide"],
    cells: [
      { levels: ["E", "No"], count: 280 },
      { levels: ["E", "Yes"], count: 3500 },
      { levels: ["H", "No"], count: 600 },
      { levels: ["H", "Yes"], count: 130 },
      { levels: ["M", "No"], count: 480 },
      { levels: ["M", "Yes"], count: 520 },
    ],
  },
  {
    variables: ["stype", "awards"],
    cells: [
      { levels: ["E", "No"], count: 800 },
      { levels: ["E", "Yes"], count: 2980 },
      { levels: ["H", "No"], count: 600 },
      { levels: ["H", "Yes"], count: 130 },
      { levels: ["M", "No"], count: 560 },
      { levels: ["M", "Yes"], count: 440 },
    ],
  },
];

/** relative difference, on the estimate's scale for figures that are zero in exact arithmetic */
const rel = (a: number, b: number, scale: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Math.abs(scale));

/**
 * `got` holds `want`'s domains with the same figures: n (and, with `exactDf`, df) exactly, the
 * rest to 1e-12 relative (the same sums added in another order; deff, a variance whose ratio
 * scores nearly cancel, to 1e-11), and each domain's covariance to 1e-12 of its largest variance.
 */
function expectSameBatch(got: BatchResult, want: BatchResult, label: string, exactDf: boolean): void {
  expect(
    got.estimates.map((es) => es.map((e) => e.by)),
    label,
  ).toEqual(want.estimates.map((es) => es.map((e) => e.by)));
  want.estimates.forEach((es, k) => {
    es.forEach((e, d) => {
      const b = got.estimates[k]![d]!;
      expect(b.n, `${label} ${k} ${d}`).toBe(e.n);
      if (exactDf) expect(b.df, `${label} ${k} ${d}`).toBe(e.df);
      for (const key of ["estimate", "se", "ciLow", "ciHigh", "df", "deff", "nEff"] as const) {
        const x = b[key] ?? Number.NaN;
        const y = e[key] ?? Number.NaN;
        if (Number.isNaN(x) && Number.isNaN(y)) continue;
        expect(rel(x, y, key === "df" ? y : e.estimate), `${label} ${k} ${d} ${key}`).toBeLessThan(
          key === "deff" ? 1e-11 : 1e-12,
        );
      }
    });
  });
  want.covariance.forEach((m, d) => {
    const scale = Math.max(...m.map((row, i) => Math.abs(row[i]!)).filter(Number.isFinite), 1e-300);
    m.forEach((row, i) => {
      row.forEach((v, j) => {
        const x = got.covariance[d]![i]![j]!;
        if (Number.isNaN(v) && Number.isNaN(x)) return;
        expect(x === v ? 0 : Math.abs(x - v) / scale, `${label} ${d} cov ${i} ${j}`).toBeLessThan(1e-12);
      });
    });
  });
}

describe("surveyEstimatesBySets", () => {
  for (const [name, make] of Object.entries(designs)) {
    it(`equals surveyEstimates set by set: ${name}`, async () => {
      const design = await make();
      const batch = await surveyEstimatesBySets(design, requests, bySets, { naRm: true, level: 0.9 });
      expect(batch).toHaveLength(bySets.length);
      for (const [s, by] of bySets.entries()) {
        const single = await surveyEstimates(design, requests, { by, naRm: true, level: 0.9 });
        expectSameBatch(batch[s]!, single, String(by), true);
      }
      // rows without a band are in no band domain, and in every set that does not use band
      const [all, byBand] = [batch[0]!, batch[2]!];
      expect(byBand.estimates[0]!.map((e) => e.by?.band)).toEqual(["high", "low"]);
      expect(byBand.estimates[0]!.reduce((a, e) => a + e.n, 0)).toBeLessThan(all.estimates[0]![0]!.n);
    });
  }

  // `only`: the domains of some values of a column every set uses (the waves an upload changed);
  // each must come out exactly as in the full call, whether the other rows are left unread
  // (clustered designs with the calibration's operator) or only their domains are skipped
  const onlyDesigns: Record<string, () => Promise<TaylorDesign>> = {
    ...designs,
    "two-stage clusters with fpc, raked on margins crossed with the column (the operator of those rows alone)":
      async () =>
        rake(
          await surveyDesign(db, { source: "apiclus2_band", ids: ["dnum", "snum"], fpc: ["fpc1", "fpc2"] }),
          CROSSED_MARGINS,
        ),
    "strata and clusters, post-stratified (no operator: every row read)": async () =>
      postStratify(await stratifiedClusters(), margins[0]!),
    "unclustered, raked": async () =>
      rake(
        await surveyDesign(db, { source: "apistrat_band", ids: [], strata: "stype", weights: "pw" }),
        margins,
      ),
  };
  for (const [name, make] of Object.entries(onlyDesigns)) {
    it(`only some domains: the same figures as the full call, ${name}`, async () => {
      const design = await make();
      const sets = [["stype"], ["stype", "band"], ["stype", "awards"]];
      const options = { naRm: true, level: 0.9, df: "satterthwaite" as const };
      const full = await surveyEstimatesBySets(design, requests, sets, options);
      const part = await surveyEstimatesBySets(design, requests, sets, {
        ...options,
        only: { column: "stype", values: ["H", "M"] },
      });
      const keep = (b: BatchResult): BatchResult => {
        const at = b.estimates[0]!.flatMap((e, d) => (e.by?.stype === "E" ? [] : [d]));
        return {
          ...b,
          estimates: b.estimates.map((es) => at.map((d) => es[d]!)),
          covariance: at.map((d) => b.covariance[d]!),
        };
      };
      full.forEach((b, s) => {
        expect(part[s]!.estimates[0]!.length).toBeGreaterThan(0);
        expectSameBatch(part[s]!, keep(b), String(sets[s]), false);
      });
      await expect(
        surveyEstimatesBySets(design, requests, [["stype"], ["band"]], {
          ...options,
          only: { column: "stype", values: ["H"] },
        }),
      ).rejects.toThrow(/every domain set must include the column "stype"/);
    });
  }

  // covarianceBlocks: only the covariances within blocks (a composite's parts) are summed;
  // every estimate, SE, df and in-block covariance as in the full call, the others NaN
  const blockDesigns: Record<string, () => Promise<TaylorDesign>> = {
    ...onlyDesigns,
    "Brewer over both stages, raked": async () => {
      await db.run(
        `create or replace table apiclus2_pi as select *, 40 / fpc1 as p1,
                count(*) over (partition by dnum) / fpc2 as p2 from apiclus2_band`,
      );
      return rake(
        await surveyDesign(db, {
          source: "apiclus2_pi",
          ids: ["dnum", "snum"],
          fpc: ["p1", "p2"],
          pps: "brewer",
          lonelyPsu: "adjust",
        }),
        margins,
      );
    },
  };
  for (const [name, make] of Object.entries(blockDesigns)) {
    it(`covariance blocks: the same figures, covariances within blocks only, ${name}`, async () => {
      const design = await make();
      const sets = [[], ["stype"], ["stype", "band"]];
      const options = { naRm: true, level: 0.9, df: "satterthwaite" as const };
      const blocks = ["a", "a", "b", "b", "b"];
      const full = await surveyEstimatesBySets(design, requests, sets, options);
      const part = await surveyEstimatesBySets(design, requests, sets, {
        ...options,
        covarianceBlocks: blocks,
      });
      full.forEach((b, s) => {
        const masked: BatchResult = {
          ...b,
          covariance: b.covariance.map((m) =>
            m.map((row, i) => row.map((v, j) => (blocks[i] === blocks[j] ? v : Number.NaN))),
          ),
        };
        expectSameBatch(part[s]!, masked, `${name} ${String(sets[s])}`, false);
        for (const m of part[s]!.covariance) {
          expect(Number.isNaN(m[0]![2]!) && Number.isNaN(m[4]![1]!)).toBe(true);
          expect(Number.isFinite(m[2]![4]!) && Number.isFinite(m[1]![0]!)).toBe(true);
        }
      });
      await expect(
        surveyEstimatesBySets(design, requests, sets, {
          ...options,
          covarianceBlocks: ["a", "b", "a", "c", "c"],
        }),
      ).rejects.toThrow(/block "a" are not adjacent/);
      await expect(
        surveyEstimatesBySets(design, requests, sets, { ...options, covarianceBlocks: ["a"] }),
      ).rejects.toThrow(/one block per request/);
    });
  }

  // the operator for some rows: built from them alone where their margin levels are their own
  // (every other unit's Z is 0; theirs and K equal the whole operator's), whole where a level is shared
  it("builds the calibration operator of some rows from those rows alone, when no margin level is shared", async () => {
    const make = (m: Margin[]) => async () =>
      rake(await surveyDesign(db, { source: "apiclus2", ids: ["dnum", "snum"], fpc: ["fpc1", "fpc2"] }), m);
    const only = { column: "stype", values: ["H", "M"] };
    for (const [margins, alone] of [
      [CROSSED_MARGINS, true],
      [API_MARGINS, false],
    ] as const) {
      const part = (await calibrationOperator(await make(margins)(), { only }))!;
      const whole = (await calibrationOperator(await make(margins)()))!;
      const L = whole.size;
      const units = whole.Z.length / L;
      let zeroRows = 0;
      let worst = 0;
      for (let u = 0; u < units; u++) {
        const row = part.Z.subarray(u * L, (u + 1) * L);
        if (row.every((z) => z === 0)) {
          zeroRows++;
          continue;
        }
        for (let l = 0; l < L; l++) worst = Math.max(worst, Math.abs(row[l]! - whole.Z[u * L + l]!));
      }
      expect(worst).toBeLessThan(1e-12);
      // the E schools' rows are 0 in the operator of the H and M rows alone
      expect(zeroRows).toBe(alone ? 83 : 0);
      // K between the levels the rows use (all of them when shared)
      const usedBy = (op: typeof part) =>
        Array.from({ length: L }, (_, l) => l).filter((l) =>
          Array.from({ length: units }, (_, u) => op.Z[u * L + l]!).some((z) => z !== 0),
        );
      const used = usedBy(part);
      // alone: some of the 8 H and M levels (2 margins x 2 types x 2 levels; a level the sweeps
      // cancel, as H's two collinear margins, has Z = 0 in the whole operator too), none of E's
      if (alone) expect(used.length).toBeGreaterThan(0);
      expect(used.length).toBeLessThanOrEqual(alone ? 8 : L);
      if (!alone) expect(used).toEqual(usedBy(whole));
      for (const a of used)
        for (const b of used)
          expect(Math.abs(part.K[a * L + b]! - whole.K[a * L + b]!)).toBeLessThanOrEqual(
            1e-10 * Math.abs(whole.K[a * L + a]!),
          );
    }
    // some rows that are all the rows (a first run: every wave changed) make the whole operator,
    // which a later caller without `only` gets, not a second one
    const design = await make(CROSSED_MARGINS)();
    const all = await calibrationOperator(design, { only: { column: "stype", values: ["E", "H", "M"] } });
    expect(await calibrationOperator(design)).toBe(all);
    const other = await make(CROSSED_MARGINS)();
    const some = await calibrationOperator(other, { only });
    expect(await calibrationOperator(other)).not.toBe(some);
  });

  it("a design with more columns (designWithColumns) uses its base's operator, and estimates as with its own", async () => {
    const make = async () =>
      rake(
        await surveyDesign(db, { source: "apiclus2_band", ids: ["dnum", "snum"], fpc: ["fpc1", "fpc2"] }),
        API_MARGINS,
      );
    await db.run(
      `create or replace table __extra as select dnum, snum, (api00 > 750)::integer as high, (enroll > 500)::integer as big from apiclus2_band`,
    );
    const base = await make();
    const extended = designWithColumns(base, "__extra", ["dnum", "snum"], ["high", "big"]);
    const shared = await calibrationOperator(extended);
    expect(shared).not.toBeNull();
    expect(await calibrationOperator(base)).toBe(shared);
    // a second extension of the extension still has the base's
    expect(await calibrationOperator(designWithColumns(extended, "__extra", ["dnum", "snum"], ["big"]))).toBe(
      shared,
    );
    // rows picked by an added column: its own operator (the base has no such column)
    const byAdded = await calibrationOperator(extended, { only: { column: "high", values: [1] } });
    expect(byAdded).not.toBe(shared);
    // the same figures as an extension of a fresh base whose operator the extension builds from
    // its own relation (no sharing: the operator is built on the extension, then the base's asked)
    const own = { ...designWithColumns(await make(), "__extra", ["dnum", "snum"], ["high", "big"]) };
    const requests: EstimateRequest[] = [
      { kind: "proportion", condition: `"high" = 1` },
      { kind: "mean", variable: "big" },
      { kind: "total", variable: "api00" },
    ];
    const sets = [[], ["stype"], ["band"]];
    const a = await surveyEstimatesBySets(extended, requests, sets, { naRm: true });
    const b = await surveyEstimatesBySets(own, requests, sets, { naRm: true });
    expect(await calibrationOperator(own)).not.toBe(shared);
    let positive = 0;
    let compared = 0;
    for (let s = 0; s < sets.length; s++)
      for (let k = 0; k < requests.length; k++)
        for (const [d, e] of a[s]!.estimates[k]!.entries()) {
          const f = b[s]!.estimates[k]![d]!;
          expect(e.by).toEqual(f.by);
          expect(Math.abs(e.estimate - f.estimate)).toBeLessThanOrEqual(1e-12 * Math.abs(f.estimate));
          expect(Math.abs(e.se - f.se)).toBeLessThanOrEqual(1e-10 * f.se);
          if (e.se > 0) positive++;
          compared++;
        }
    // (a domain where every school is alike has SE 0; most have errors to compare)
    expect(positive).toBeGreaterThan(compared / 2);
    await db.run("drop table __extra");
  });

  // the engine adds a domain's scores a block of items at a time (estimateItems `addScores`):
  // 22 items (two whole blocks and part of a third) must each come out as estimated alone
  const manyItems: EstimateRequest[] = [
    ...[450, 500, 550, 600, 650, 700, 750, 800, 850].map(
      (t): EstimateRequest => ({ kind: "proportion", condition: `"api00" > ${t}` }),
    ),
    ...[500, 600, 700, 800].map(
      (t): EstimateRequest => ({ kind: "proportion", condition: `"api99" > ${t}` }),
    ),
    ...["api00", "api99", "enroll"].map((v): EstimateRequest => ({ kind: "mean", variable: v })),
    { kind: "total", variable: "enroll" },
    { kind: "ratio", numerator: "api00", denominator: "api99" },
    { kind: "ratio", numerator: "enroll", denominator: "api00" },
    { kind: "proportion", condition: `"awards" = 'Yes'` },
    ...requests.slice(3),
  ];
  for (const [name, make] of Object.entries(designs)) {
    it(`many items at once give each item's figures as alone: ${name}`, async () => {
      expect(manyItems.length).toBeGreaterThan(16);
      const design = await make();
      const options = { naRm: true, level: 0.9, df: "satterthwaite" as const };
      const sets = [[], ["stype"], ["stype", "band"]];
      const batch = await surveyEstimatesBySets(design, manyItems, sets, options);
      for (const [k, request] of manyItems.entries()) {
        const alone = await surveyEstimatesBySets(design, [request], sets, options);
        sets.forEach((set, s) => {
          const one = alone[s]!;
          const got: BatchResult = {
            ...batch[s]!,
            estimates: [batch[s]!.estimates[k]!],
            covariance: batch[s]!.covariance.map((m) => [[m[k]![k]!]]),
          };
          expectSameBatch(got, one, `${String(set)} item ${k}`, false);
        });
      }
    });
  }

  it("refuses a column that is not in the data, and a column repeated in a set", async () => {
    const design = await designs["strata and clusters, raked"]!();
    await expect(surveyEstimatesBySets(design, requests, [["stype"], ["nope"]])).rejects.toThrow(
      /domain column "nope"/,
    );
    await expect(surveyEstimatesBySets(design, requests, [["stype", "stype"]])).rejects.toThrow(/repeated/);
  });
});
