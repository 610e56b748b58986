/**
 * `npm run bench:estimate`: the estimation engine on 1,000,000 respondents (50 strata, 600 PSUs),
 * all timed in one run (issue 4):
 * - rake_s: design + raking to sex x age group, township and urban/rural to 1e-8;
 * - domains_s: 3 organizations x 4 indices x 50 townships with Taylor SEs on the raked design
 *   (one batched call);
 * - replicates_s: 100 bootstrap replicates (Canty–Davison) of the 12 district means;
 * - R (when Rscript with survey is present), the same two computations on the same data in the
 *   same run: svydesign + rake to the same margins, then svyby of the 12 variables over the
 *   townships ON THE RAKED DESIGN (svymean's SEs account for the raking, as Barometer's do). R's
 *   estimates and SEs are checked against Barometer's (largest relative difference printed), so
 *   both sides compute the same numbers.
 * Last line: {"bench":"estimate","rows":...,"domains_s":...,"rake_s":...,"replicates_s":...,"r_s":...,"r_ratio":...}
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { asReplicateDesign, type Margin, rake, surveyDesign, surveyEstimates } from "../analysis/index.ts";
import { sessionOf } from "../db/Database.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ORGS = ["un", "yl", "wf"];
const INDICES = ["aw", "pa", "ap", "sa"];
const VARS = ORGS.flatMap((o) => INDICES.map((i) => `${i}_${o}`));

const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const db = sessionOf(connection);
await db.run("select setseed(0.42)");
await db.run(`
  create table bench as
  with base as (
    select i, i % 600 as psu, (i % 600) // 12 as township, random() as u1, random() as u2, random() as u3, random() as u4
    from range(${ROWS}) t(i)
  )
  select i as id, township, psu,
    1 + (u1 < 0.48)::int as sex,
    1 + least(6, floor(u2 * 7))::int as age_group,
    case when psu % 3 = 0 then 1 else 2 end as urban,
    40 + (psu % 17) * 4 + u3 * 10 as w,
    ${ORGS.map(
      (o, k) => `
    (random() < 0.5 + 0.004 * township + 0.05 * ${k})::int * 100.0 as aw_${o},
    (random() < 0.2 + 0.003 * township)::int * 100.0 as pa_${o},
    round(random() * 4 + (u4 - 0.5)) * 25.0 as ap_${o},
    least(100, greatest(0, round(random() * 4 + 0.3 * (age_group - 4) / 6) * 25.0)) as sa_${o}`,
    ).join(",")}
  from base`);

// population margins: the sample's weighted margins, tilted so raking has work to do
const margin = async (vars: string[], tilt: (levels: string[]) => number): Promise<Margin> => {
  const rows = await db.query<Record<string, unknown>>(
    `select ${vars.map((v) => `${v}::varchar as ${v}`).join(", ")}, sum(w) as s from bench group by all order by all`,
  );
  return {
    variables: vars,
    cells: rows.map((r) => ({
      levels: vars.map((v) => r[v] as string),
      count: (r.s as number) * tilt(vars.map((v) => r[v] as string)),
    })),
  };
};
const raw = [
  await margin(
    ["sex", "age_group"],
    (l) => 1 + (0.08 * (Number(l[1]) - 4)) / 3 + (l[0] === "2" ? 0.04 : -0.04),
  ),
  await margin(["township"], (l) => 1 + (0.1 * ((Number(l[0]) % 5) - 2)) / 2),
  await margin(["urban"], (l) => (l[0] === "1" ? 1.1 : 0.95)),
];
const total = raw[0]!.cells.reduce((a, c) => a + c.count, 0);
const margins: Margin[] = raw.map((m) => {
  const t = m.cells.reduce((a, c) => a + c.count, 0);
  return {
    variables: m.variables,
    cells: m.cells.map((c) => ({ levels: c.levels, count: (c.count * total) / t })),
  };
});

const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) / 1000];
};

const [raked, rake_s] = await time(async () => {
  const design = await surveyDesign(db, { source: "bench", ids: ["psu"], strata: "township", weights: "w" });
  return rake(design, margins, { tolerance: 1e-8 });
});
const requests = VARS.map((v) => ({ kind: "mean" as const, variable: v }));
const [domains, domains_s] = await time(() => surveyEstimates(raked, requests, { by: ["township"] }));
const [district, replicates_s] = await time(async () => {
  const boot = await asReplicateDesign(raked, { type: "bootstrap", replicates: 100, seed: 7 });
  return surveyEstimates(boot, requests);
});
const estimates = domains.estimates.flat().length;
console.log(
  `rows ${ROWS}; raking: ${raked.diagnostics.iterations} passes, worst margin error ${raked.diagnostics.worstError.toExponential(2)}; deff of weighting ${raked.diagnostics.weights.deffWeighting.toFixed(3)}`,
);
console.log(`rake_s       ${rake_s.toFixed(3)}  (design + raking to sex x age, township, urban/rural)`);
console.log(
  `domains_s    ${domains_s.toFixed(3)}  (${estimates} estimates: ${VARS.length} indices x ${domains.estimates[0]!.length} townships, Taylor SEs)`,
);
console.log(
  `replicates_s ${replicates_s.toFixed(3)}  (100 bootstrap replicates, ${VARS.length} district means; first: ${district.estimates[0]![0]!.estimate.toFixed(3)} ± ${district.estimates[0]![0]!.se.toFixed(4)})`,
);

let r_s: number | null = null;
const hasR =
  spawnSync("Rscript", ["-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"]).status === 0;
if (hasR && !process.env.BENCH_NO_R) {
  const dir = mkdtempSync(join(tmpdir(), "bench-estimate-"));
  const csv = join(dir, "bench.csv");
  const rOut = join(dir, "r-domains.csv");
  await db.run(`copy bench to '${csv.replaceAll("'", "''")}' (header)`);
  const pops = margins.map((m) => {
    const cols = m.variables.map(
      (v) => `${v}=c(${m.cells.map((c) => JSON.stringify(c.levels[m.variables.indexOf(v)])).join(",")})`,
    );
    return `data.frame(${cols.join(", ")}, Freq=c(${m.cells.map((c) => c.count).join(",")}))`;
  });
  const script = `
suppressPackageStartupMessages(library(survey))
df <- if (requireNamespace("data.table", quietly = TRUE)) as.data.frame(data.table::fread("${csv}")) else read.csv("${csv}")
for (v in c("sex", "age_group", "township", "urban")) df[[v]] <- as.character(df[[v]])
df$sex_age <- paste(df$sex, df$age_group)
t0 <- proc.time()[["elapsed"]]
d <- svydesign(id = ~psu, strata = ~township, weights = ~w, data = df)
p1 <- ${pops[0]}; p1 <- data.frame(sex_age = paste(p1$sex, p1$age_group), Freq = p1$Freq)
rk <- rake(d, list(~sex_age, ~township, ~urban), list(p1, ${pops[1]}, ${pops[2]}), control = list(maxit = 100, epsilon = 1e-8))
t1 <- proc.time()[["elapsed"]]
b <- svyby(~${VARS.join("+")}, ~township, rk, svymean)
t2 <- proc.time()[["elapsed"]]
cat(sprintf("R_RAKE %f\\nR_DOMAINS %f\\n", t1 - t0, t2 - t1))
write.csv(as.data.frame(b), "${rOut}", row.names = FALSE)
`;
  writeFileSync(join(dir, "bench.R"), script);
  try {
    const out = execFileSync("Rscript", [join(dir, "bench.R")], {
      encoding: "utf8",
      // svyby on the raked 1M-row design takes R the better part of an hour (each domain redoes
      // the raking's 10 residual sweeps over every row)
      timeout: Number(process.env.BENCH_R_TIMEOUT_S ?? 10_800) * 1000,
      maxBuffer: 1 << 24,
    });
    const rr = Number(/R_RAKE ([\d.]+)/.exec(out)?.[1]);
    const rd = Number(/R_DOMAINS ([\d.]+)/.exec(out)?.[1]);
    r_s = rr + rd;
    console.log(
      `R survey: svydesign + rake ${rr.toFixed(2)} s, svyby of ${VARS.length} variables over 50 townships on the raked design ${rd.toFixed(2)} s`,
    );
    // the same numbers on both sides: R's svyby columns are the variables, then "se.<variable>"
    const [header, ...lines] = readFileSync(rOut, "utf8").trim().split("\n");
    const names = header!.split(",").map((h) => h.replaceAll('"', ""));
    let worstEstimate = 0;
    let worstSe = 0;
    for (const line of lines) {
      const cells = line.split(",").map((c) => c.replaceAll('"', ""));
      const township = Number(cells[names.indexOf("township")]);
      VARS.forEach((v, k) => {
        const ours = domains.estimates[k]!.find((e) => Number(e.by!.township) === township)!;
        const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
        worstEstimate = Math.max(worstEstimate, rel(ours.estimate, Number(cells[names.indexOf(v)])));
        worstSe = Math.max(worstSe, rel(ours.se, Number(cells[names.indexOf(`se.${v}`)])));
      });
    }
    console.log(
      `R vs Barometer on the ${lines.length} x ${VARS.length} domain means: largest relative difference ${worstEstimate.toExponential(2)} (estimates), ${worstSe.toExponential(2)} (SEs)`,
    );
  } catch (error) {
    console.log(`R run failed or timed out: ${(error as Error).message.split("\n")[0]}`);
  }
}
const ours = rake_s + domains_s;
console.log(
  JSON.stringify({
    bench: "estimate",
    rows: ROWS,
    domains_s: round(domains_s),
    rake_s: round(rake_s),
    replicates_s: round(replicates_s),
    r_s: r_s === null ? null : round(r_s),
    r_ratio: r_s === null ? null : round(r_s / ours),
  }),
);
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
