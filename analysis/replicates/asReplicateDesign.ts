import type { ReplicateDesign, TaylorDesign } from "../types.ts";
import { matrixRank } from "./matrixRank.ts";
import { seededRandom } from "./random.ts";
import { rowsAsClusters } from "./rowsAsClusters.ts";

export interface AsReplicateOptions {
  type: "JK1" | "JKn" | "bootstrap" | "subbootstrap";
  /** bootstrap replicates (default 50, as R) */
  replicates?: number;
  seed?: number;
  mse?: boolean;
}

/**
 * Replicate weights built from a design's PSUs, as R's `as.svrepdesign(design, type)`:
 * - JK1 (unstratified): drop one PSU, others × n/(n−1); scale (n−1)/n times the stage-1
 *   fpc (N−n)/N when the design has one;
 * - JKn (stratified): drop one PSU within its stratum, others there × n_h/(n_h−1); rscales
 *   (n_h−1)/n_h·fpc_h; lonely strata per the design's `lonelyPsu` (R's jknweights);
 * - bootstrap (Canty–Davison, R's bootweights): n_h PSUs drawn with replacement per stratum
 *   (without replacement from N_h copies with an fpc), factor = times drawn; scale
 *   m̄/((m̄−1)(R−1)), m̄ the harmonic mean of PSUs per stratum;
 * - subbootstrap (Rao–Wu, R's subbootweights): n_h − 1 drawn with replacement, factor
 *   = times drawn × n_h/(n_h−1); scale 1/(R−1).
 * Factors multiply the design's final weights (calibrated weights are not recalibrated per
 * replicate, as R without `calibrate.formula`). Draws use a seeded PRNG, not R's: bootstrap
 * replicates are reproducible from `seed` but differ from R's for the same seed.
 *
 * An unclustered design takes every row as its own PSU (R's
 * `as.svrepdesign(svydesign(id = ~1, strata = ~h, ...), type = "JKn")`), via `rowsAsClusters`.
 *
 * Limits: an unclustered design must be uncalibrated (calibrate the replicate design); for
 * other unclustered data supply weights with `replicateDesign`.
 *
 * @example
 * const boot = await asReplicateDesign(design, { type: "bootstrap", replicates: 100, seed: 1 });
 */
export async function asReplicateDesign(
  design: TaylorDesign,
  options: AsReplicateOptions,
): Promise<ReplicateDesign> {
  if (!design.unitExprs.length && !design.calibration)
    return asReplicateDesign(await rowsAsClusters(design), options);
  if (!design.unitExprs.length) {
    throw new Error(
      "asReplicateDesign needs a clustered design (ids); supply replicate weights with replicateDesign",
    );
  }
  const st = design.structure;
  if (st.pps) {
    // R's as.svrepdesign fails too ("More than one fpc value given"): the PSUs' fpcs differ
    throw new Error(
      "asReplicateDesign does not take a pps design (inclusion probabilities differ by PSU); build replicates from the design without pps, or supply replicate weights",
    );
  }
  const psus = st.stages[0]!;
  const P = psus.length;
  const H = st.strata.length;
  const hasStrata = design.spec.strata !== null;
  const psusOf: number[][] = Array.from({ length: H }, () => []);
  psus.forEach((u, i) => {
    psusOf[u.parent]!.push(i);
  });
  const fpcOf = (h: number) =>
    Number.isFinite(st.strataN[h]!) ? (st.strataN[h]! - st.psusPerStratum[h]!) / st.strataN[h]! : 1;
  const factors: Float64Array[] = [];
  const rscales: number[] = [];
  let scale = 1;
  const random = seededRandom(options.seed ?? 1);
  const pick = (n: number) => Math.min(n - 1, Math.floor(random() * n));
  if (options.type === "JK1") {
    if (hasStrata) throw new Error("JK1 is for unstratified designs; use JKn (R: as.svrepdesign)");
    for (let j = 0; j < P; j++) {
      const f = new Float64Array(P).fill(P / (P - 1));
      f[j] = 0;
      factors.push(f);
      rscales.push(1);
    }
    scale = fpcOf(0) * ((P - 1) / P);
  } else if (options.type === "JKn") {
    if (!hasStrata)
      throw new Error("JKn is for stratified designs; use JK1 or bootstrap (R: as.svrepdesign)");
    let skipped = false;
    for (let h = 0; h < H; h++) {
      const members = psusOf[h]!;
      const n = members.length;
      const fpc = fpcOf(h);
      if (n === 1 && fpc !== 0) {
        const lonely = design.spec.lonelyPsu;
        if (lonely === "fail") throw new Error(`stratum ${st.strata[h]} has only one PSU`);
        if (lonely !== "adjust") {
          skipped = true;
          continue;
        }
        const f = new Float64Array(P).fill(H / (H - 1));
        f[members[0]!] = 0;
        factors.push(f);
        rscales.push((H - 1) / H);
        continue;
      }
      for (const j of members) {
        const f = new Float64Array(P).fill(1);
        for (const m of members) f[m] = n / (n - 1);
        f[j] = 0;
        factors.push(f);
        rscales.push(fpc * ((n - 1) / n));
      }
    }
    if (skipped && design.spec.lonelyPsu === "average") scale = P / factors.length;
  } else {
    const R = options.replicates ?? 50;
    if (!(R >= 2)) throw new Error(`bootstrap needs at least 2 replicates (${R})`);
    for (let r = 0; r < R; r++) {
      const f = new Float64Array(P);
      for (let h = 0; h < H; h++) {
        const members = psusOf[h]!;
        const n = members.length;
        if (options.type === "subbootstrap") {
          if (n < 2)
            throw new Error(
              `subbootstrap needs at least 2 PSUs per stratum (stratum ${st.strata[h]} has ${n})`,
            );
          for (let d = 0; d < n - 1; d++) f[members[pick(n)]!]! += n / (n - 1);
        } else if (Number.isFinite(st.strataN[h]!)) {
          const N = Math.floor(st.strataN[h]!);
          // n draws without replacement from N copies, copy k being PSU k mod n (R: rep(upsu, length = popsize))
          const pool = Array.from({ length: N }, (_, k) => k % n);
          for (let d = 0; d < n; d++) {
            const k = d + pick(N - d);
            [pool[d], pool[k]] = [pool[k]!, pool[d]!];
            f[members[pool[d]!]!]! += 1;
          }
        } else {
          for (let d = 0; d < n; d++) f[members[pick(n)]!]! += 1;
        }
      }
      factors.push(f);
      rscales.push(1);
    }
    if (options.type === "bootstrap") {
      const mbar = 1 / (st.psusPerStratum.reduce((a, n) => a + 1 / n, 0) / H);
      scale = mbar / ((mbar - 1) * (R - 1));
    } else scale = 1 / (R - 1);
  }
  return {
    kind: "replicate",
    session: design.session,
    relation: design.relation,
    params: design.params,
    type: options.type,
    scale,
    rscales,
    mse: options.mse ?? false,
    replicates: factors.length,
    degf: matrixRank(factors) - 1,
    repweights: { kind: "factors", parent: design, factors },
    rows: design.rows,
  };
}
