// `npm run sim:sites [samples]`: the coverage of the demonstration sites' published intervals,
// in simulation with known truth. Each sample is a new synthetic city from the demo generator
// (new site qualities, assessor severities, visits and served people; examples/demonstration-
// sites/generator), scored exactly as the marts score it (analysis/sites/assessSites with the
// demo's scoring and confidence); the truth of a site's combined score is
// w_a × its true quality + w_s × its served people's true mean satisfaction. Reported: the
// coverage of the 95% intervals over all site-half-years and per half-year, per fifth of true
// quality (a fixed-site model should cover every site alike, not only on average), and the
// mean error, each with its Monte Carlo SE. The last line is JSON.
import { generateSites, HAVES, PERIODS } from "../../examples/demonstration-sites/generator/generateSites.ts";
import { assessSites } from "../sites/assessSites.ts";

const samples = Number(process.argv[2] ?? 1000);
const weights = { assessment: 0.8, survey: 0.2 };
const started = performance.now();
type Hit = { covered: boolean; error: number; se: number; truth: number; period: string };
const hits: Hit[] = [];
for (let s = 0; s < samples; s++) {
  const data = generateSites(1_000_003 + s * 7919);
  for (const period of PERIODS) {
    const rows = data.assessments.filter((a) => a.period === period);
    const group = new Map(data.assessors.map((a) => [a.assessor_id, a.work_group]));
    const ratings = rows.map((a) => ({
      site: a.site_id,
      assessor: a.assessor_id,
      group: group.get(a.assessor_id) as string,
      total:
        (100 *
          HAVES.reduce((t, h) => t + (a.scores[`${h}_1`] as number) + (a.scores[`${h}_2`] as number), 0)) /
        60,
    }));
    // The served people's mean and SE as the engine computes them for this design (each site a
    // stratum, people drawn at the site with equal weights): the sample mean and s / √n.
    const survey = new Map<string, { estimate: number; se: number }>();
    for (const site of new Set(rows.map((r) => r.site_id))) {
      const x = data.served
        .filter((p) => p.site_id === site && p.period === period)
        .map((p) => ((p.satisfaction - 1) / 4) * 100);
      const mean = x.reduce((t, v) => t + v, 0) / x.length;
      const variance = x.reduce((t, v) => t + (v - mean) ** 2, 0) / (x.length - 1);
      survey.set(site, { estimate: mean, se: Math.sqrt(variance / x.length) });
    }
    const fit = assessSites(ratings, survey, weights, { replicates: 0 });
    for (const site of fit.sites) {
      const truth =
        weights.assessment * (data.truth.quality[site.site]?.[period] as number) +
        weights.survey * (data.truth.satisfaction[site.site]?.[period] as number);
      hits.push({
        covered: site.ciLow <= truth && truth <= site.ciHigh,
        error: site.combined - truth,
        se: site.combinedSe,
        truth,
        period,
      });
    }
  }
  if ((s + 1) % 100 === 0)
    process.stderr.write(
      `${s + 1}/${samples} samples, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
}

const rate = (xs: Hit[]) => {
  const p = xs.filter((h) => h.covered).length / xs.length;
  // Site-half-years of one sample are not independent; the MC SE below treats samples as the
  // independent units (coverage per sample, then its SE over samples).
  return p;
};
const perSample = (xs: Hit[]) => {
  const bySample: number[] = [];
  const per = xs.length / samples;
  for (let s = 0; s < samples; s++) {
    const chunk = xs.slice(Math.round(s * per), Math.round((s + 1) * per));
    bySample.push(chunk.filter((h) => h.covered).length / chunk.length);
  }
  const m = bySample.reduce((t, x) => t + x, 0) / samples;
  const sd = Math.sqrt(bySample.reduce((t, x) => t + (x - m) ** 2, 0) / (samples - 1));
  return sd / Math.sqrt(samples);
};
const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
const coverage = rate(hits);
const coverageMcse = perSample(hits);
const bias = mean(hits.map((h) => h.error));
const biasMcse =
  Math.sqrt(mean(hits.map((h) => (h.error - bias) ** 2)) / hits.length) *
  Math.sqrt(hits.length / samples / 1);
const fmt = (x: number, d = 3) => x.toFixed(d);
console.log(`demonstration sites: ${samples} simulated cities, ${hits.length} site-half-years scored`);
console.log(`coverage of the 95% intervals: ${fmt(coverage)} (MC SE ${fmt(coverageMcse)})`);
const byPeriod: Record<string, number> = {};
for (const period of PERIODS) {
  const own = hits.filter((h) => h.period === period);
  byPeriod[period] = rate(own);
  console.log(
    `  ${period}: ${fmt(byPeriod[period] as number)} (MC SE about ${fmt(Math.sqrt((0.05 * 0.95) / own.length) * Math.sqrt(own.length / samples / 1))})`,
  );
}
const sorted = [...hits].sort((a, b) => a.truth - b.truth);
const fifths: number[] = [];
for (let f = 0; f < 5; f++) {
  const own = sorted.slice(Math.floor((f * sorted.length) / 5), Math.floor(((f + 1) * sorted.length) / 5));
  const p = rate(own);
  fifths.push(p);
  console.log(
    `  fifth ${f + 1} of true quality (${fmt(own[0]?.truth ?? 0, 1)}–${fmt(own.at(-1)?.truth ?? 0, 1)}): ${fmt(p)} (binomial SE ${fmt(Math.sqrt((p * (1 - p)) / own.length))})`,
  );
}
console.log(
  `mean error (bias) ${fmt(bias)} points, mean SE ${fmt(mean(hits.map((h) => h.se)))}, bias/SE ${fmt(bias / mean(hits.map((h) => h.se)))} (MC SE of the bias about ${fmt(biasMcse)})`,
);
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(
  JSON.stringify({
    bench: "sites",
    samples,
    site_half_years: hits.length,
    coverage: Number(fmt(coverage, 4)),
    coverage_mcse: Number(fmt(coverageMcse, 4)),
    worst_fifth_coverage: Number(fmt(Math.min(...fifths), 4)),
    bias: Number(fmt(bias, 4)),
    bias_over_se: Number(fmt(bias / mean(hits.map((h) => h.se)), 4)),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  }),
);
