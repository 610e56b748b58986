import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Command, Option } from "commander";
import { checkBooleanExpression } from "../analysis/checkBooleanExpression.ts";
import {
  asReplicateDesign,
  linearCalibration,
  type Margin,
  postStratify,
  qnorm,
  rake,
  replicateDesign,
  type SurveyDesign,
  surveyByCovariance,
  surveyChisq,
  surveyContrast,
  surveyDesign,
  surveyEstimates,
  surveyGlm,
  surveyMean,
  surveyProportion,
  surveyQuantile,
  surveyQuantileBy,
  surveyRatio,
  surveyTotal,
  surveyTTest,
} from "../analysis/index.ts";
import type { Estimate, LonelyPsu, ReplicateType } from "../analysis/types.ts";
import { type Session, sessionOf } from "../db/Database.ts";
import { quoteIdent } from "../db/quoteIdent.ts";
import { CliError } from "./CliError.ts";
import { openTable } from "./liveTable.ts";
import { readCsvAsWritten } from "./readCsvAsWritten.ts";

interface Opts {
  data?: string;
  table?: string;
  ids?: string;
  strata?: string;
  weights?: string;
  probs?: string;
  fpc?: string;
  pps?: "brewer";
  nest?: boolean;
  lonelyPsu: LonelyPsu;
  mean?: string;
  total?: string;
  prop?: string;
  ratio?: string;
  quantile?: string;
  quantiles: string;
  ttest?: string;
  group?: string;
  chisq?: string;
  glm?: string;
  family: "gaussian" | "quasibinomial";
  contrast?: string;
  by?: string;
  naRm?: boolean;
  adjustDomainLonely?: boolean;
  bounds?: string;
  ci: "wald" | "logit" | "beta" | "xlogit";
  level: string;
  df?: string;
  repweights?: string;
  repType?: string;
  repScale?: string;
  repRscales?: string;
  mse?: boolean;
  replicates?: string;
  seed?: string;
  calibrate?: "poststratify" | "rake" | "linear";
  margins?: string;
  tolerance?: string;
  maxIter?: string;
  json?: boolean;
}

/**
 * `barometer estimate`: one design-based estimate (per domain) from a CSV/Parquet file or a
 * database table, as a JSON array on stdout (the contract of issue 4).
 */
export function estimateCommand(): Command {
  return new Command("estimate")
    .description(
      "design-based estimates (mean, total, proportion, ratio) with SEs that agree with R's survey package",
    )
    .option("--data <file>", "a .csv or .parquet file")
    .option("--table <name>", "a table or view of the database (--db / BAROMETER_DB)")
    .option("--ids <cols>", "cluster columns per stage, joined by + (1 = no clusters)", "1")
    .option("--strata <col>", "strata column")
    .option("--weights <col>", "weight column")
    .option("--probs <col>", "selection probability column")
    .option("--fpc <cols>", "fpc column per stage, joined by +")
    .addOption(
      new Option(
        "--pps <method>",
        "PSUs drawn with probability proportional to size without replacement: --fpc holds inclusion probabilities (R: pps=)",
      ).choices(["brewer"]),
    )
    .option("--nest", "PSU ids repeat across strata")
    .option(
      "--adjust-domain-lonely",
      "a stratum with one PSU in a domain is lonely too (R: options(survey.adjust.domain.lonely = TRUE))",
    )
    .addOption(
      new Option("--lonely-psu <how>", "a stratum with one PSU")
        .choices(["fail", "certainty", "adjust", "average", "remove"])
        .default("fail"),
    )
    .option("--mean <col>", "estimate the mean of a column")
    .option("--total <col>", "estimate the total of a column")
    .option("--prop <expr>", "estimate the proportion where a boolean SQL expression holds")
    .option("--ratio <num/den>", "estimate the ratio of two columns' totals")
    .option("--quantile <col>", "estimate quantiles of a column (Woodruff intervals, R's svyquantile)")
    .option("--quantiles <ps>", "the quantiles' probabilities, joined by ,", "0.5")
    .option(
      "--ttest <col>",
      "design-based t-test of a column's mean between the two values of --group (R: svyttest)",
    )
    .option("--group <col>", "the two groups of --ttest")
    .option("--chisq <row+col>", "Rao-Scott test of independence of two columns (R: svychisq, statistic F)")
    .option("--glm <formula>", 'regression "y ~ x1 + x2": y a column or a condition, x columns (R: svyglm)')
    .addOption(
      new Option("--family <family>", "--glm family")
        .choices(["gaussian", "quasibinomial"])
        .default("gaussian"),
    )
    .option(
      "--contrast <json>",
      'linear contrasts of --mean/--total estimates, {"NAME": {"ESTIMATE": coef}}: estimates are columns (--mean a,b) or domains of --by (R: svycontrast)',
    )
    .option("--by <cols>", "domain columns, joined by ,")
    .option("--na-rm", "leave rows with a missing value out of the domain")
    .addOption(
      new Option("--ci <method>", "proportion CI (R's svyciprop methods mean, logit, beta, xlogit)")
        .choices(["wald", "logit", "beta", "xlogit"])
        .default("logit"),
    )
    .option("--level <p>", "confidence level", "0.95")
    .option(
      "--df <df>",
      "CI degrees of freedom: design, inf, satterthwaite (not an R option: effective df of two-stage variances) or a number",
    )
    .option("--repweights <regex>", "replicate weight columns (unanchored regex, file order)")
    .addOption(
      new Option("--rep-type <type>", "replicate type").choices(["jk1", "jkn", "bootstrap", "subbootstrap"]),
    )
    .option("--rep-scale <x>", "replicate scale")
    .option("--rep-rscales <file>", "JSON array of rscales, in column order")
    .option("--mse", "replicate variances around the full-sample estimate")
    .option("--replicates <type>", "build replicate weights: jk1, jkn, bootstrap:N or subbootstrap:N")
    .option("--seed <n>", "seed of bootstrap replicates", "1")
    .addOption(
      new Option("--calibrate <method>", "calibrate weights").choices(["poststratify", "rake", "linear"]),
    )
    .option(
      "--margins <file>",
      'JSON margins {"VAR": {"LEVEL": count}}; for linear also {"NUMERIC_VAR": total, "(Intercept)": N}',
    )
    .option("--bounds <lo,hi>", "bounds on the calibration factor g for --calibrate linear (R: bounds)")
    .option("--tolerance <t>", "raking tolerance (largest relative margin error)", "1e-8")
    .option("--max-iter <n>", "raking passes at most", "100")
    .option("--json", "JSON output (the only format)")
    .action(async (opts: Opts, command: Command) => {
      const results = await runEstimate(opts, command.optsWithGlobals<{ db?: string }>());
      process.stdout.write(`${JSON.stringify(Array.isArray(results) ? results.map(toJson) : results)}\n`);
    });
}

const finite = (v: number) => (Number.isFinite(v) ? v : v === Number.POSITIVE_INFINITY ? "Inf" : null);

function toJson(e: Estimate & { p?: number }) {
  const n = (v: number | null) =>
    v === null || Number.isNaN(v) ? null : v === Number.POSITIVE_INFINITY ? "Inf" : v;
  return {
    by: e.by,
    ...(e.p !== undefined ? { p: e.p } : {}),
    estimate: n(e.estimate),
    se: n(e.se),
    ci_low: n(e.ciLow),
    ci_high: n(e.ciHigh),
    df: n(e.df),
    deff: n(e.deff),
    n: e.n,
    n_eff: n(e.nEff),
  };
}

async function runEstimate(opts: Opts, global: { db?: string }): Promise<Estimate[] | object> {
  if (!!opts.data === !!opts.table) throw new CliError("give --data FILE or --table NAME (one of them)");
  const kinds = [
    opts.mean,
    opts.total,
    opts.prop,
    opts.ratio,
    opts.quantile,
    opts.ttest,
    opts.chisq,
    opts.glm,
  ].filter((x) => x !== undefined);
  if (kinds.length !== 1)
    throw new CliError(
      "give exactly one of --mean, --total, --prop, --ratio, --quantile, --ttest, --chisq, --glm",
    );
  if (opts.contrast && !opts.mean && !opts.total)
    throw new CliError("--contrast applies to --mean or --total");
  if (opts.ttest && !opts.group) throw new CliError("--ttest needs --group COL");
  const level = Number(opts.level);
  if (!(level > 0 && level < 1)) throw new CliError(`--level must be between 0 and 1 (got ${opts.level})`);
  let df: number | "design" | "inf" | "satterthwaite" | undefined;
  if (opts.df !== undefined) {
    df = opts.df === "design" || opts.df === "inf" || opts.df === "satterthwaite" ? opts.df : Number(opts.df);
    if (typeof df === "number" && !(df > 0))
      throw new CliError(`--df must be design, inf, satterthwaite or a positive number (got ${opts.df})`);
  }
  let session: Session;
  let source: string;
  if (opts.data) {
    const path = resolve(opts.data);
    const ext = extname(path).toLowerCase();
    if (ext !== ".csv" && ext !== ".parquet")
      throw new CliError(`--data must be a .csv or .parquet file (got ${opts.data})`);
    const instance = await DuckDBInstance.create(":memory:");
    session = sessionOf(await instance.connect());
    try {
      await session.run(
        `create table data as select * from ${ext === ".csv" ? readCsvAsWritten("?") : "read_parquet(?)"}`,
        [path],
      );
    } catch (error) {
      throw new CliError(`cannot read ${opts.data}: ${(error as Error).message}`);
    }
    source = "data";
  } else {
    session = await openTable(global, opts.table!);
    source = opts.table!;
  }
  try {
    const columns = (
      await session.connection.runAndReadAll(`select * from ${quoteIdent(source)} limit 0`)
    ).columnNames();
    const by = opts.by ? opts.by.split(",").map((s) => s.trim()) : undefined;
    let design: SurveyDesign = await surveyDesign(session, {
      source,
      ids: (opts.ids ?? "1").split("+"),
      strata: opts.strata,
      weights: opts.weights,
      probs: opts.probs,
      fpc: opts.fpc ? opts.fpc.split("+") : [],
      pps: opts.pps ?? null,
      nest: opts.nest,
      lonelyPsu: opts.lonelyPsu,
      adjustDomainLonely: opts.adjustDomainLonely,
    });
    if (opts.calibrate) {
      if (!opts.margins) throw new CliError("--calibrate needs --margins FILE.json");
      const { margins, totals } = readMargins(opts.margins);
      if (opts.calibrate !== "linear" && Object.keys(totals).length)
        throw new CliError(
          `--calibrate ${opts.calibrate} takes categorical margins only (numeric totals are for linear)`,
        );
      if (opts.bounds && opts.calibrate !== "linear")
        throw new CliError("--bounds applies to --calibrate linear");
      if (opts.calibrate === "poststratify") {
        if (margins.length !== 1)
          throw new CliError(
            "--calibrate poststratify takes one variable in --margins (cross it in the data)",
          );
        design = await postStratify(design, margins[0]!);
      } else if (opts.calibrate === "rake") {
        design = await rake(design, margins, {
          tolerance: Number(opts.tolerance),
          maxIterations: Number(opts.maxIter),
        });
      } else {
        let bounds: [number, number] | undefined;
        if (opts.bounds) {
          const b = opts.bounds.split(",").map(Number);
          if (b.length !== 2 || !(b[0]! < 1 && b[1]! > 1))
            throw new CliError(`--bounds is LO,HI with LO < 1 < HI (got ${opts.bounds})`);
          bounds = [b[0]!, b[1]!];
        }
        // "(Intercept)": the population size, R's name for it (needed without categorical margins)
        const { "(Intercept)": populationSize, ...numeric } = totals;
        design = await linearCalibration(design, { margins, totals: numeric, populationSize, bounds });
      }
    }
    if (opts.repweights) {
      if (!opts.repType) throw new CliError("--repweights needs --rep-type");
      if (opts.calibrate)
        throw new CliError("--calibrate applies to designs, not to supplied replicate weights");
      let re: RegExp;
      try {
        re = new RegExp(opts.repweights);
      } catch (error) {
        throw new CliError(`--repweights is not a valid regex: ${(error as Error).message}`);
      }
      const rep = columns.filter((c) => re.test(c));
      if (rep.length < 2)
        throw new CliError(
          `--repweights ${opts.repweights} matches ${rep.length} column(s); need at least 2`,
        );
      const rscales = opts.repRscales
        ? (JSON.parse(readFileSync(opts.repRscales, "utf8")) as number[])
        : undefined;
      const types: Record<string, ReplicateType> = {
        jk1: "JK1",
        jkn: "JKn",
        bootstrap: "bootstrap",
        subbootstrap: "subbootstrap",
      };
      design = await replicateDesign(session, {
        source,
        repweights: rep,
        type: types[opts.repType]!,
        scale: opts.repScale !== undefined ? Number(opts.repScale) : undefined,
        rscales,
        mse: opts.mse,
        weights: opts.weights,
      });
    } else if (opts.replicates) {
      const [type, count] = opts.replicates.split(":");
      const map = { jk1: "JK1", jkn: "JKn", bootstrap: "bootstrap", subbootstrap: "subbootstrap" } as const;
      const t = map[type as keyof typeof map];
      if (!t)
        throw new CliError(
          `--replicates must be jk1, jkn, bootstrap:N or subbootstrap:N (got ${opts.replicates})`,
        );
      if (design.kind !== "taylor") throw new CliError("--replicates needs a design");
      design = await asReplicateDesign(design, {
        type: t,
        replicates: count ? Number(count) : undefined,
        seed: Number(opts.seed),
        mse: opts.mse,
      });
    }
    const options = { by, naRm: opts.naRm, level, df };
    if (opts.contrast) return await contrasts(design, opts, options);
    if (opts.mean) return await surveyMean(design, opts.mean, options);
    if (opts.total) return await surveyTotal(design, opts.total, options);
    if (opts.quantile) {
      const probs = opts.quantiles.split(",").map(Number);
      if (probs.some((p) => !(p >= 0 && p <= 1)))
        throw new CliError(`--quantiles must be probabilities between 0 and 1 (got ${opts.quantiles})`);
      return by
        ? await surveyQuantileBy(design, opts.quantile, probs, { ...options, by })
        : await surveyQuantile(design, opts.quantile, probs, options);
    }
    if (opts.ttest) {
      const t = await surveyTTest(design, opts.ttest, opts.group!, { level });
      return {
        groups: t.groups,
        difference: t.difference,
        se: t.se,
        statistic: t.statistic,
        df: t.df,
        p_value: t.pValue,
        ci_low: t.ciLow,
        ci_high: t.ciHigh,
      };
    }
    if (opts.chisq) {
      const parts = opts.chisq.split("+");
      if (parts.length !== 2) throw new CliError(`--chisq is ROW+COL (got ${opts.chisq})`);
      const x = await surveyChisq(design, parts[0]!, parts[1]!);
      return {
        rows: x.rowLevels,
        cols: x.colLevels,
        pearson: x.pearson,
        statistic: x.statistic,
        ndf: x.ndf,
        ddf: x.ddf,
        p_value: x.pValue,
      };
    }
    if (opts.glm) return await glm(design, session, source, opts, level);
    if (opts.ratio) {
      const parts = opts.ratio.split("/");
      if (parts.length !== 2) throw new CliError(`--ratio is NUM/DEN (got ${opts.ratio})`);
      return await surveyRatio(design, parts[0]!, parts[1]!, options);
    }
    await checkBooleanExpression(session, quoteIdent(source), opts.prop!);
    return await surveyProportion(design, opts.prop!, { ...options, ci: opts.ci });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message, { cause: error });
  }
}

function readMargins(file: string): { margins: Margin[]; totals: Record<string, number> } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`--margins ${file}: ${(error as Error).message}`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json))
    throw new CliError(`--margins ${file}: expected {"VAR": {"LEVEL": count}}`);
  const margins: Margin[] = [];
  const totals: Record<string, number> = {};
  for (const [v, cells] of Object.entries(json as Record<string, unknown>)) {
    if (typeof cells === "number") {
      totals[v] = cells;
      continue;
    }
    if (!cells || typeof cells !== "object")
      throw new CliError(`--margins ${file}: "${v}" must map levels to counts (or be a numeric total)`);
    margins.push({
      variables: [v],
      cells: Object.entries(cells as Record<string, unknown>).map(([level, count]) => {
        if (typeof count !== "number") throw new CliError(`--margins ${file}: ${v}=${level} is not a number`);
        return { levels: [level], count };
      }),
    });
  }
  return { margins, totals };
}

/** --contrast: svycontrast of several columns' estimates, or of one column's domains (--by). */
async function contrasts(
  design: SurveyDesign,
  opts: Opts,
  options: { by?: string[]; naRm?: boolean; level: number },
): Promise<object> {
  let spec: Record<string, Record<string, number>>;
  try {
    spec = JSON.parse(opts.contrast!) as Record<string, Record<string, number>>;
  } catch (error) {
    throw new CliError(`--contrast is not JSON: ${(error as Error).message}`);
  }
  const kind = opts.mean ? "mean" : "total";
  const columns = (opts.mean ?? opts.total)!.split(",").map((c) => c.trim());
  let names: string[];
  let estimates: number[];
  let covariance: number[][];
  if (options.by) {
    if (columns.length !== 1) throw new CliError("--contrast with --by takes one column");
    const b = await surveyByCovariance(design, columns[0]!, options.by, kind);
    ({ names, estimates, covariance } = b);
  } else {
    const batch = await surveyEstimates(
      design,
      columns.map((variable) => ({ kind, variable })),
      { naRm: options.naRm },
    );
    names = columns;
    estimates = batch.estimates.map((e) => e[0]!.estimate);
    covariance = batch.covariance[0]!;
  }
  const c = surveyContrast(names, estimates, covariance, spec);
  const z = qnorm(1 - (1 - options.level) / 2);
  return c.names.map((name, i) => ({
    contrast: name,
    estimate: c.estimate[i],
    se: c.se[i],
    ci_low: c.estimate[i]! - z * c.se[i]!,
    ci_high: c.estimate[i]! + z * c.se[i]!,
    covariance: c.covariance[i],
  }));
}

/** --glm "y ~ a + b": y a column or a condition (checked as one expression), terms columns. */
async function glm(design: SurveyDesign, session: Session, source: string, opts: Opts, level: number) {
  const [lhs, rhs, extra] = opts.glm!.split("~");
  if (!lhs?.trim() || rhs === undefined || extra !== undefined)
    throw new CliError(`--glm is "y ~ x1 + x2" (got ${opts.glm})`);
  const columns = (
    await session.connection.runAndReadAll(`select * from ${quoteIdent(source)} limit 0`)
  ).columnNames();
  const y = lhs.trim();
  let response: string;
  if (columns.includes(y)) response = quoteIdent(y);
  else {
    await checkBooleanExpression(session, quoteIdent(source), y);
    response = `(${y})::int`;
  }
  const terms = rhs
    .split("+")
    .map((t) => t.trim())
    .filter((t) => t !== "" && t !== "1");
  for (const t of terms)
    if (!columns.includes(t)) throw new CliError(`--glm term "${t}" is not a column of the data`);
  const fit = await surveyGlm(
    design,
    response,
    terms.map((t) => ({ name: t, sql: quoteIdent(t) })),
    opts.family,
    { level },
  );
  return fit.terms.map((term, i) => ({
    term,
    estimate: fit.coef[i],
    se: fit.se[i],
    statistic: fit.statistic[i],
    p_value: fit.pValue[i],
    ci_low: finite(fit.ciLow[i]!),
    ci_high: finite(fit.ciHigh[i]!),
    df_residual: fit.dfResidual,
  }));
}
