/**
 * Small-area simulation with known truth (issue 16): repeated samples of the demo population
 * (the generator's stratified two-stage sampler with nonresponse), and for each the two-level
 * Fay–Herriot figures of village awareness of the village organization (`aw_<org>_v`, rates on
 * the arcsine scale, covariates urban/rural, log population and log(1 + the organization's
 * recorded activities) from the frame, townships
 * benchmarked to the district's direct figure, villages to their township) against the direct
 * estimates, both compared with the true village and township values computed from the whole
 * population. Organizations rotate over samples (union, youth league, women's federation).
 *
 * Reported, with Monte Carlo standard errors (over samples):
 * - rmse_ratio_small: RMSE of the published village figure / RMSE of the direct estimate, over
 *   villages with 1–10 respondents (every published figure counts, withheld or not);
 * - village_coverage: share of villages' 95% intervals covering the truth, averaged over all
 *   villages (sampled and synthetic), and the worst decile of villages by mean respondents;
 * - township_rmse_ratio: two-level township figure vs the direct (weighted) estimate, townships
 *   with n ≥ 30;
 * - benchmark_error: the largest |aggregate − target| after benchmarking.
 *
 * Run: `npm run sim:sae [-- --samples 500 --reps 200 --seed 20240501 --wave 2026]`. The last line
 * is JSON: {"bench":"sae",...}.
 */

import { recordedActivities } from "../../examples/mass-org-evaluation/generator/activities.ts";
import {
  drawSample,
  generatePopulation,
  ORGANIZATIONS,
  orgItems,
  type WaveId,
} from "../../examples/mass-org-evaluation/generator/index.ts";
import { smallAreaFigures, type VillageInput } from "../sae/smallAreaFigures.ts";

interface Options {
  samples: number;
  reps: number;
  seed: number;
  wave: WaveId;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  return {
    samples: Number(get("samples", "500")),
    reps: Number(get("reps", "200")),
    seed: Number(get("seed", "20240501")),
    wave: get("wave", "2026") as WaveId,
  };
}

export function simulateSae(options: Options, log: (line: string) => void = () => {}) {
  const population = generatePopulation(options.seed);
  const villages = population.villages;
  const towns = population.townships.length;
  const orgs = ORGANIZATIONS.map((o) => ({ id: o.id, item: orgItems(o.prefix).awarenessVillage }));
  // true village and township rates (0–100), per organization
  const truthVillage = orgs.map((o) => {
    const answers = population.answers[options.wave][o.item]!;
    return villages.map((v) => {
      let yes = 0;
      for (let i = v.firstPerson; i < v.firstPerson + v.population; i++) if (answers[i] === 1) yes++;
      return (100 * yes) / v.population;
    });
  });
  const townPop = new Array<number>(towns).fill(0);
  for (const v of villages) townPop[v.townshipIndex]! += v.population;
  const truthTown = truthVillage.map((tv) => {
    const t = new Array<number>(towns).fill(0);
    villages.forEach((v, i) => {
      t[v.townshipIndex]! += (tv[i]! * v.population) / townPop[v.townshipIndex]!;
    });
    return t;
  });
  const activities = recordedActivities(population);
  // the demo study's small_area covariates: rural, log population, log(1 + the organization's recorded activities)
  const xOf = (o: number) =>
    villages.map((v, i) => [
      1,
      v.urbanRural === 2 ? 1 : 0,
      Math.log(v.population),
      Math.log1p(activities[i]![o]!),
    ]);
  const xs = orgs.map((_, o) => xOf(o));
  const nV = villages.length;
  const cover = new Float64Array(nV);
  const respondents = new Float64Array(nV);
  const perSample: {
    model: number;
    direct: number;
    count: number;
    townModel: number;
    townDirect: number;
    townCount: number;
  }[] = [];
  let benchmarkError = 0;
  for (let s = 0; s < options.samples; s++) {
    const o = s % orgs.length;
    const sample = drawSample(population, options.wave, options.seed * 1000 + s);
    const answers = sample.items[orgs[o]!.item]!;
    const n = new Float64Array(nV);
    const yes = new Float64Array(nV);
    for (let r = 0; r < sample.person.length; r++) {
      if (answers[r] === 0) continue;
      const v = population.people.village[sample.person[r]!]!;
      n[v]!++;
      if (answers[r] === 1) yes[v]!++;
    }
    // direct township and district figures: base weights N_h / (m_h r_i), ratio means
    const tw = new Float64Array(towns);
    const twy = new Float64Array(towns);
    const tn = new Float64Array(towns);
    const psuTotals: { town: number; w: number; wy: number }[] = [];
    for (const psu of sample.psus) {
      if (n[psu.village]! === 0) continue;
      const w = townPop[psu.township]! / (sample.psusPerTownship[psu.township]! * n[psu.village]!);
      tw[psu.township]! += w * n[psu.village]!;
      twy[psu.township]! += w * yes[psu.village]!;
      tn[psu.township]! += n[psu.village]!;
      psuTotals.push({ town: psu.township, w: w * n[psu.village]!, wy: w * yes[psu.village]! });
    }
    const W = tw.reduce((a, b) => a + b, 0);
    const district = (100 * twy.reduce((a, b) => a + b, 0)) / W;
    // with-replacement linearization variance of the district ratio over PSUs within townships
    let varD = 0;
    for (let h = 0; h < towns; h++) {
      const zs = psuTotals.filter((p) => p.town === h).map((p) => (p.wy - (district / 100) * p.w) / W);
      if (zs.length < 2) continue;
      const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
      varD += (zs.length / (zs.length - 1)) * zs.reduce((a, z) => a + (z - mean) ** 2, 0);
    }
    const input: VillageInput[] = villages.map((v, i) => ({
      code: v.code,
      township: String(v.townshipIndex).padStart(3, "0"),
      population: v.population,
      x: xs[o]![i]!,
      n: n[i]!,
      nEff: n[i]!,
      direct: n[i]! > 0 ? (100 * yes[i]!) / n[i]! : null,
      withinVariance: null,
    }));
    const result = smallAreaFigures({
      kind: "rate",
      villages: input,
      district: { estimate: district, se: 100 * Math.sqrt(varD) },
      benchmark: "ratio",
      reps: options.reps,
      seed: options.seed + s,
      level: 0.95,
    });
    benchmarkError = Math.max(benchmarkError, result.diagnostics.benchmarkError);
    let model = 0;
    let direct = 0;
    let count = 0;
    result.villages.forEach((f, i) => {
      const truth = truthVillage[o]![i]!;
      if (f.ciLow <= truth && truth <= f.ciHigh) cover[i]!++;
      respondents[i]! += n[i]!;
      if (n[i]! >= 1 && n[i]! <= 10) {
        model += (f.estimate - truth) ** 2;
        direct += (f.direct! - truth) ** 2;
        count++;
      }
    });
    let townModel = 0;
    let townDirect = 0;
    let townCount = 0;
    result.townships.forEach((f) => {
      const h = Number(f.code);
      if (tn[h]! < 30) return;
      const truth = truthTown[o]![h]!;
      townModel += (f.estimate - truth) ** 2;
      townDirect += ((100 * twy[h]!) / tw[h]! - truth) ** 2;
      townCount++;
    });
    perSample.push({ model, direct, count, townModel, townDirect, townCount });
    if ((s + 1) % 25 === 0) log(`sample ${s + 1}/${options.samples}`);
  }
  const S = options.samples;
  const ratioWithSe = (a: number[], b: number[]) => {
    // sqrt(Σa / Σb) and its delta-method Monte Carlo SE over samples
    const ma = a.reduce((x, y) => x + y, 0) / S;
    const mb = b.reduce((x, y) => x + y, 0) / S;
    const r = Math.sqrt(ma / mb);
    const d = a.map((ai, k) => ai / ma - b[k]! / mb);
    const md = d.reduce((x, y) => x + y, 0) / S;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - md) ** 2, 0) / Math.max(S - 1, 1));
    return { value: r, mcse: ((r / 2) * sd) / Math.sqrt(S) };
  };
  const small = ratioWithSe(
    perSample.map((p) => p.model),
    perSample.map((p) => p.direct),
  );
  const town = ratioWithSe(
    perSample.map((p) => p.townModel),
    perSample.map((p) => p.townDirect),
  );
  const coverage = Array.from(cover, (c) => c / S);
  const villageCoverage = coverage.reduce((a, b) => a + b, 0) / nV;
  const villageCoverageMcse = Math.sqrt(coverage.reduce((a, c) => a + c * (1 - c), 0) / S) / nV;
  const order = [...coverage.keys()].sort((a, b) => respondents[a]! - respondents[b]! || a - b);
  const deciles = Array.from({ length: 10 }, (_, d) => {
    const ids = order.slice(Math.floor((d * nV) / 10), Math.floor(((d + 1) * nV) / 10));
    const c = ids.reduce((a, i) => a + coverage[i]!, 0) / ids.length;
    const mcse = Math.sqrt(ids.reduce((a, i) => a + coverage[i]! * (1 - coverage[i]!), 0) / S) / ids.length;
    const meanN = ids.reduce((a, i) => a + respondents[i]!, 0) / ids.length / S;
    return { decile: d + 1, mean_respondents: meanN, coverage: c, mcse };
  });
  const worst = deciles.reduce((a, b) => (b.coverage < a.coverage ? b : a));
  return {
    samples: S,
    reps: options.reps,
    wave: options.wave,
    villages_small: perSample.reduce((a, p) => a + p.count, 0) / S,
    rmse_ratio_small: small.value,
    rmse_ratio_small_mcse: small.mcse,
    village_coverage: villageCoverage,
    village_coverage_mcse: villageCoverageMcse,
    worst_decile_coverage: worst.coverage,
    worst_decile_coverage_mcse: worst.mcse,
    deciles,
    township_rmse_ratio: town.value,
    township_rmse_ratio_mcse: town.mcse,
    benchmark_error: benchmarkError,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const r = simulateSae(options, (line) => process.stderr.write(`${line}\n`));
  const pct = (v: number) => (100 * v).toFixed(1);
  console.log(
    `samples ${r.samples}, bootstrap ${r.reps} replicates, wave ${r.wave}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`villages with 1-10 respondents per sample: ${r.villages_small.toFixed(0)}`);
  console.log(
    `RMSE ratio (published / direct), 1-10 respondents: ${r.rmse_ratio_small.toFixed(3)} ± ${r.rmse_ratio_small_mcse.toFixed(3)} (target <= 0.60)`,
  );
  console.log(
    `village 95% CI coverage: ${pct(r.village_coverage)}% ± ${pct(r.village_coverage_mcse)} (target 93-97%)`,
  );
  for (const d of r.deciles)
    console.log(
      `  decile ${d.decile} (mean n ${d.mean_respondents.toFixed(1)}): ${pct(d.coverage)}% ± ${pct(d.mcse)}`,
    );
  console.log(
    `worst decile: ${pct(r.worst_decile_coverage)}% ± ${pct(r.worst_decile_coverage_mcse)} (target: not below 90% by more than 3 MC SE)`,
  );
  console.log(
    `township RMSE ratio (two-level / direct), n >= 30: ${r.township_rmse_ratio.toFixed(3)} ± ${r.township_rmse_ratio_mcse.toFixed(3)} (target <= 1 + 2 MC SE)`,
  );
  console.log(`benchmark error (max): ${r.benchmark_error.toExponential(2)} (target <= 1e-9)`);
  const { deciles: _d, ...json } = r;
  console.log(JSON.stringify({ bench: "sae", ...json }));
}
