/**
 * PPS without replacement (`pps: "brewer"`, R's svydesign(..., pps = "brewer")) beyond the R
 * fixtures (pps_brewer_*): the variance does not depend on the order of the rows (R's does: it
 * pairs each PSU's 1 − π with its total by position after sorting the PSUs, so the fixtures
 * hold PSUs in sorted order); equal inclusion probabilities within each stratum give exactly the
 * without-replacement fpc design; a domain equals the whole design with the variable zeroed
 * outside it; and the loud failures.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { asReplicateDesign, rake, surveyDesign, surveyMean, surveyTotal } from "../../analysis/index.ts";
import type { Session } from "../../db/Database.ts";
import { API_MARGINS, fixtureSession } from "./fixtures.ts";

let db: Session;
beforeAll(async () => {
  db = await fixtureSession();
  // rows in a scrambled order; equal probabilities 15/757 (apiclus1: 15 of 757 districts)
  await db.run("create table pps_shuffled as select * from apipps order by hash(snum * 7919 + dnum)");
  await db.run("create table clus1_pi as select *, 15 / 757 as pi from apiclus1");
  await db.run(
    "create table pps_bad as select *, case when snum % 2 = 0 then pi1 else pi1 / 2 end as pi_varies from apipps",
  );
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const spec = (source: string) => ({
  source,
  ids: ["dnum"],
  strata: "strat",
  weights: "pw",
  fpc: ["pi1"],
  pps: "brewer" as const,
});

describe("pps brewer", () => {
  it("does not depend on the order of the rows", async () => {
    const a = await surveyDesign(db, spec("apipps"));
    const b = await surveyDesign(db, spec("pps_shuffled"));
    const [ma] = await surveyMean(a, "api00");
    const [mb] = await surveyMean(b, "api00");
    expect(rel(mb!.se, ma!.se)).toBeLessThan(1e-12);
    const margins = API_MARGINS;
    const ra = await surveyMean(await rake(a, margins), "api00", { by: ["awards"] });
    const rb = await surveyMean(await rake(b, margins), "api00", { by: ["awards"] });
    ra.forEach((e, i) => {
      expect(rel(rb[i]!.se, e.se)).toBeLessThan(1e-10);
    });
  });

  it("equal probabilities n/N within strata give the fpc design", async () => {
    const pps = await surveyDesign(db, {
      source: "clus1_pi",
      ids: ["dnum"],
      weights: "pw",
      fpc: ["pi"],
      pps: "brewer",
    });
    const srs = await surveyDesign(db, { source: "clus1_pi", ids: ["dnum"], weights: "pw", fpc: ["fpc"] });
    for (const by of [undefined, ["stype"]]) {
      const a = await surveyTotal(pps, "enroll", { by });
      const b = await surveyTotal(srs, "enroll", { by });
      a.forEach((e, i) => {
        expect(rel(e.se, b[i]!.se)).toBeLessThan(1e-10);
      });
    }
  });

  it("a domain total equals the total of the variable zeroed outside the domain", async () => {
    await db.run(
      "create or replace table pps_dom as select *, case when stype = 'E' then api99 else 0 end as api99_e from apipps",
    );
    const d = await surveyDesign(db, spec("pps_dom"));
    const [e] = (await surveyTotal(d, "api99", { by: ["stype"] })).filter((x) => x.by?.stype === "E");
    const [z] = await surveyTotal(d, "api99_e");
    expect(rel(e!.estimate, z!.estimate)).toBeLessThan(1e-12);
    expect(rel(e!.se, z!.se)).toBeLessThan(1e-10);
  });

  it("fails loudly", async () => {
    await expect(surveyDesign(db, { ...spec("apipps"), fpc: [] })).rejects.toThrow(
      /needs the inclusion probabilities/,
    );
    await expect(surveyDesign(db, { ...spec("apipps"), fpc: ["pw"] })).rejects.toThrow(
      /inclusion probabilities in \(0, 1\]/,
    );
    await expect(surveyDesign(db, { ...spec("pps_bad"), fpc: ["pi_varies"] })).rejects.toThrow(
      /varies within unit/,
    );
    const d = await surveyDesign(db, spec("apipps"));
    await expect(asReplicateDesign(d, { type: "bootstrap", replicates: 10 })).rejects.toThrow(/pps design/);
  });
});
