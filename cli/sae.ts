import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import Papa from "papaparse";
import { FH_METHODS, type FhEstimatesOptions, type FhMethod, fhEstimates } from "../analysis/sae/index.ts";
import { CliError } from "./CliError.ts";

interface Opts {
  area?: string;
  direct: string;
  vardir?: string;
  covariates?: string;
  factor?: string;
  method: FhMethod;
  convergence: "exact" | "sae";
  interval?: string;
  transformation: "no" | "log" | "arcsin";
  backtransformation?: "bc_crude" | "bc_sm" | "naive" | "bc";
  effN?: string;
  mse: "analytical" | "bootstrap" | "none";
  reps: string;
  seed: string;
  benchmark?: string;
  share?: string;
  json?: boolean;
}

/**
 * `barometer sae FILE.csv`: a Fay–Herriot model on a CSV of direct estimates (one row per area;
 * an empty direct estimate marks an area out of sample), as R emdi's `fh()` and `benchmark()`.
 * Prints one CSV row per area (area, direct, vardir, estimate, mse, rmse, gamma, sampled), or with
 * --json the model as well (σ²ᵤ, coefficients with SEs, log-likelihood, AIC, BIC).
 */
export function saeCommand(): Command {
  return new Command("sae")
    .description(
      "small-area estimates (Fay–Herriot) from a CSV of direct estimates, variances and covariates",
    )
    .argument("<file>", "CSV with a header: area id, direct estimate, sampling variance, covariates")
    .option("--area <col>", "area id column (default: row number)")
    .requiredOption("--direct <col>", "direct estimate column (empty: area not sampled)")
    .option("--vardir <col>", "sampling variance column (not needed for --transformation arcsin)")
    .option("--covariates <cols>", "numeric covariates, comma-separated (an intercept is added)")
    .option(
      "--factor <cols>",
      "categorical covariates, comma-separated (treatment contrasts, first level sorted as base)",
    )
    .addOption(
      new Option("--method <m>", "variance of the area effect").choices([...FH_METHODS]).default("reml"),
    )
    .addOption(
      new Option("--convergence <c>", "exact optimum, or R sae's start value and stop rule")
        .choices(["exact", "sae"])
        .default("exact"),
    )
    .option("--interval <lo,hi>", "search interval for the variance (emdi's interval)")
    .addOption(new Option("--transformation <t>").choices(["no", "log", "arcsin"]).default("no"))
    .addOption(
      new Option("--backtransformation <b>", "log: bc_crude | bc_sm; arcsin: naive | bc").choices([
        "bc_crude",
        "bc_sm",
        "naive",
        "bc",
      ]),
    )
    .option("--eff-n <col>", "effective sample size column (arcsin: variance 1/(4 n_eff))")
    .addOption(new Option("--mse <type>").choices(["analytical", "bootstrap", "none"]))
    .option("--reps <n>", "bootstrap replicates", "200")
    .option("--seed <n>", "bootstrap seed", "123")
    .option("--benchmark <type:value>", "benchmark to a figure: ratio:0.62 or raking:0.62")
    .option("--share <col>", "population share column for --benchmark (default equal shares)")
    .option("--json", "one JSON object with the model and the areas")
    .action((file: string, opts: Opts) => {
      const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
      const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
      const rows = parsed.data;
      if (rows.length === 0) throw new CliError(`${file}: no rows`);
      const column = (name: string): string[] => {
        if (!(name in rows[0]!)) throw new CliError(`${file}: no column "${name}"`);
        return rows.map((r) => (r[name] ?? "").trim());
      };
      const numeric = (name: string, allowEmpty: boolean): (number | null)[] =>
        column(name).map((v, i) => {
          if (v === "" || v.toUpperCase() === "NA") {
            if (allowEmpty) return null;
            throw new CliError(`${file}: row ${i + 2}: column "${name}" is empty`);
          }
          const n = Number(v);
          if (!Number.isFinite(n))
            throw new CliError(`${file}: row ${i + 2}: column "${name}" has "${v}", not a number`);
          return n;
        });
      const direct = numeric(opts.direct, true);
      const vardir = opts.vardir ? numeric(opts.vardir, true) : direct.map(() => null);
      const x = rows.map(() => [1]);
      for (const name of (opts.covariates ?? "").split(",").filter(Boolean)) {
        numeric(name, false).forEach((v, i) => {
          x[i]!.push(v!);
        });
      }
      for (const name of (opts.factor ?? "").split(",").filter(Boolean)) {
        const values = column(name);
        const levels = [...new Set(values)].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
        values.forEach((v, i) => {
          for (const level of levels.slice(1)) x[i]!.push(v === level ? 1 : 0);
        });
      }
      const options: FhEstimatesOptions = {
        method: opts.method,
        convergence: opts.convergence,
        transformation: opts.transformation,
        reps: Number(opts.reps),
        seed: Number(opts.seed),
      };
      if (opts.backtransformation) options.backtransformation = opts.backtransformation;
      if (opts.mse) options.mse = opts.mse;
      if (opts.interval) {
        const [lo, hi] = opts.interval.split(",").map(Number);
        if (!Number.isFinite(lo) || !(hi! > lo!))
          throw new CliError(`--interval ${opts.interval}: expected lo,hi`);
        options.interval = [lo!, hi!];
      }
      if (opts.effN) options.effectiveN = numeric(opts.effN, true);
      if (opts.benchmark) {
        const [type, value] = opts.benchmark.split(":");
        if ((type !== "ratio" && type !== "raking") || !Number.isFinite(Number(value))) {
          throw new CliError(`--benchmark ${opts.benchmark}: expected ratio:VALUE or raking:VALUE`);
        }
        const share = opts.share
          ? numeric(opts.share, false).map((v) => v!)
          : rows.map(() => 1 / rows.length);
        options.benchmark = { type, share, target: [Number(value)] };
      }
      let result: ReturnType<typeof fhEstimates>;
      try {
        result = fhEstimates({ direct, vardir, x }, options);
      } catch (error) {
        throw new CliError((error as Error).message, { cause: error });
      }
      const ids = opts.area ? column(opts.area) : rows.map((_, i) => String(i + 1));
      const areas = ids.map((area, i) => ({
        area,
        direct: direct[i],
        vardir: vardir[i],
        estimate: result.estimate[i],
        mse: result.mse[i],
        rmse: result.mse[i] === null ? null : Math.sqrt(result.mse[i]!),
        gamma: result.fit.gamma[i],
        sampled: result.fit.sampled[i],
      }));
      if (opts.json) {
        const f = result.fit;
        const model = {
          method: f.method,
          transformation: opts.transformation,
          mse_method: result.mseMethod,
          sigma2u: f.sigma2u,
          iterations: f.iterations,
          converged: f.converged,
          coefficients: f.coefficients,
          loglike: f.loglike,
          aic: f.aic,
          bic: f.bic,
        };
        process.stdout.write(`${JSON.stringify({ model, areas })}\n`);
        return;
      }
      const fmt = (v: unknown) => (v === null || v === undefined ? "" : String(v));
      const lines = ["area,direct,vardir,estimate,mse,rmse,gamma,sampled"];
      for (const a of areas)
        lines.push(
          [a.area, a.direct, a.vardir, a.estimate, a.mse, a.rmse, a.gamma, a.sampled].map(fmt).join(","),
        );
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
