import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { withheldReason } from "../../analysis/figureRules.ts";
import {
  hasStageTwoVariance,
  type ReportingIntervalRule,
  reportingIntervals,
  type SurveyDesign,
  surveyChisq,
  surveyDesign,
  surveyGlm,
  surveyMean,
  surveyProportion,
  surveyQuantile,
  surveyQuantileBy,
  surveyTotal,
  surveyTTest,
} from "../../analysis/index.ts";
import type { Estimate } from "../../analysis/types.ts";
import { sessionOf } from "../../db/Database.ts";
import { quoteIdent } from "../../db/quoteIdent.ts";
import type { JsonValue, SandboxSuccess } from "../../server/sandbox/index.ts";
import type { BlockResult, EstimateBlock } from "./types.ts";

/**
 * The study's reporting rules (seed_reporting): below `minN` or above `maxRse` a figure is
 * withheld; `intervals` is the marts' interval rule (study.yaml reporting.intervals).
 */
export interface ReportingRules {
  minN: number;
  maxRse: number;
  confidenceLevel: number;
  intervals: ReportingIntervalRule;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TABLE = "notebook_data";

/**
 * Run an estimate block's estimator on rows the sandbox returned (one per respondent), in a
 * private in-memory DuckDB of this process: the analyst's SQL ran in the sandbox, only the
 * engine's own SQL runs here. Returns one row per domain: the `by` columns, then estimate,
 * se, ci_low, ci_high, df, deff, n, n_eff, rse, is_withheld, withheld_reason; with `suppress`
 * the figures of a withheld domain are null, as in index_scores. Throws a plain Error (the
 * engine's message, which names the column or stratum).
 */
export async function runEstimate(
  block: EstimateBlock,
  data: SandboxSuccess,
  rules: ReportingRules,
  suppress: boolean,
): Promise<BlockResult> {
  const names = data.columns.map((c) => c.name);
  for (const column of [
    block.variable,
    ...block.by,
    ...block.design.ids,
    block.design.weights,
    block.design.strata,
    block.group,
    ...block.terms,
  ]) {
    if (column !== undefined && column !== "1" && !names.includes(column))
      throw new Error(`column "${column}" is not in the data query's result (it has: ${names.join(", ")})`);
  }
  const instance = await DuckDBInstance.create(":memory:", {
    enable_external_access: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const connection = await instance.connect();
  try {
    await load(connection, data);
    const session = sessionOf(connection);
    const design = await surveyDesign(session, {
      source: TABLE,
      ids: block.design.ids,
      strata: block.design.strata ?? null,
      weights: block.design.weights,
    });
    const options = { by: block.by, level: rules.confidenceLevel };
    // the marts' rule (analysis/reportingIntervals.ts): "nominal" puts means and totals on t with
    // the Satterthwaite df and a proportion's logit interval on normal quantiles where the
    // variance has a stage-2 term (else on t with the design df, as R); "r" (and the other
    // proportion intervals, quantiles and tests) R's own
    const nominal = (block.intervals ?? rules.intervals) === "nominal";
    const meanDf = nominal ? { df: reportingIntervals("nominal").df } : {};
    const proportionDf =
      nominal && block.ci === "logit"
        ? hasStageTwoVariance(design)
          ? { df: "inf" as const }
          : meanDf
        : nominal && block.ci === "wald"
          ? meanDf
          : {};
    if (block.estimator === "ttest" || block.estimator === "chisq" || block.estimator === "glm")
      return await testResult(block, design, rules.confidenceLevel);
    if (block.estimator === "quantile") {
      const qs = block.by.length
        ? await surveyQuantileBy(design, block.variable, block.quantiles, { ...options, by: block.by })
        : await surveyQuantile(design, block.variable, block.quantiles, options);
      return toResult(block, qs, rules, suppress);
    }
    const estimates: Estimate[] =
      block.estimator === "mean"
        ? await surveyMean(design, block.variable, { ...options, ...meanDf })
        : block.estimator === "total"
          ? await surveyTotal(design, block.variable, { ...options, ...meanDf })
          : await surveyProportion(design, `${quoteIdent(block.variable)}::double <> 0`, {
              ...options,
              ...proportionDf,
              ci: block.ci,
            });
    return toResult(block, estimates, rules, suppress);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function load(connection: DuckDBConnection, data: SandboxSuccess): Promise<void> {
  const kinds = data.columns.map((c) =>
    c.type === "BOOLEAN" ? "boolean" : NUMERIC.test(c.type) ? "double" : "varchar",
  );
  const columns = data.columns.map((c, i) => `${quoteIdent(c.name)} ${kinds[i]}`).join(", ");
  await connection.run(`create table ${TABLE} (${columns})`);
  const appender = await connection.createAppender(TABLE);
  for (const row of data.rows) {
    row.forEach((value, i) => {
      if (value === null) appender.appendNull();
      else if (kinds[i] === "boolean") appender.appendBoolean(value === true);
      else if (kinds[i] === "double") appender.appendDouble(Number(value));
      else appender.appendVarchar(typeof value === "string" ? value : JSON.stringify(value));
    });
    appender.endRow();
  }
  appender.closeSync();
}

/** A test or model block: one row per statistic (ttest, chisq) or per coefficient (glm). */
async function testResult(block: EstimateBlock, design: SurveyDesign, level: number): Promise<BlockResult> {
  const r = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(12)) : null);
  if (block.estimator === "ttest") {
    const t = await surveyTTest(design, block.variable, block.group!, { level });
    return {
      name: block.name,
      columns: [
        "group_1",
        "group_2",
        "difference",
        "se",
        "statistic",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
      ].map((name, i) => ({ name, type: i < 2 ? "VARCHAR" : "DOUBLE" })),
      rows: [
        [
          t.groups[0],
          t.groups[1],
          r(t.difference),
          r(t.se),
          r(t.statistic),
          r(t.df),
          r(t.pValue),
          r(t.ciLow),
          r(t.ciHigh),
        ],
      ],
      truncated: false,
    };
  }
  if (block.estimator === "chisq") {
    const x = await surveyChisq(design, block.variable, block.group!);
    return {
      name: block.name,
      columns: ["pearson", "statistic", "ndf", "ddf", "p_value"].map((name) => ({ name, type: "DOUBLE" })),
      rows: [[r(x.pearson), r(x.statistic), r(x.ndf), r(x.ddf), r(x.pValue)]],
      truncated: false,
    };
  }
  const fit = await surveyGlm(
    design,
    `${quoteIdent(block.variable)}::double`,
    block.terms.map((t) => ({ name: t, sql: quoteIdent(t) })),
    block.family,
    { level },
  );
  return {
    name: block.name,
    columns: ["term", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high", "df_residual"].map(
      (name, i) => ({
        name,
        type: i === 0 ? "VARCHAR" : "DOUBLE",
      }),
    ),
    rows: fit.terms.map((term, i) => [
      term,
      r(fit.coef[i]!),
      r(fit.se[i]!),
      r(fit.statistic[i]!),
      r(fit.pValue[i]!),
      r(fit.ciLow[i]!),
      r(fit.ciHigh[i]!),
      fit.dfResidual,
    ]),
    truncated: false,
  };
}

function toResult(
  block: EstimateBlock,
  estimates: (Estimate & { p?: number })[],
  rules: ReportingRules,
  suppress: boolean,
): BlockResult {
  const quantile = block.estimator === "quantile";
  const figures = ["estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "n_eff", "rse"];
  const columns = [
    ...block.by.map((name) => ({ name, type: "VARCHAR" })),
    ...(quantile ? [{ name: "p", type: "DOUBLE" }] : []),
    ...figures.map((name) => ({ name, type: name === "n" ? "INTEGER" : "DOUBLE" })),
    { name: "is_withheld", type: "BOOLEAN" },
    { name: "withheld_reason", type: "VARCHAR" },
  ];
  const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(12)));
  const rows = estimates.map((e): JsonValue[] => {
    const rse = e.estimate === 0 ? null : Math.abs(e.se / e.estimate);
    const reason = withheldReason(e.n, e.estimate, e.se, rules);
    const withheld = reason !== "";
    const s = block.scale;
    const shown = [e.estimate * s, e.se * s, e.ciLow * s, e.ciHigh * s, e.df, e.deff, e.n, e.nEff, rse].map(
      round,
    );
    return [
      ...block.by.map((b) => (e.by?.[b] === undefined || e.by[b] === null ? null : String(e.by[b]))),
      ...(quantile ? [e.p ?? null] : []),
      ...(withheld && suppress ? shown.map(() => null) : shown),
      withheld,
      reason,
    ];
  });
  const keyWidth = block.by.length + (quantile ? 1 : 0);
  rows.sort((a, b) =>
    JSON.stringify(a.slice(0, keyWidth)).localeCompare(JSON.stringify(b.slice(0, keyWidth))),
  );
  return { name: block.name, columns, rows, truncated: false };
}
