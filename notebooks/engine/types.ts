import type { JsonValue, SandboxColumn } from "../../server/sandbox/index.ts";
import type { StudyNames } from "./studyNames.ts";

/** A parameter as declared in a notebook's front matter. */
export interface ParamSpec {
  name: string;
  type: "string" | "integer" | "number" | "boolean";
  default: string | number | boolean;
  /** When given, the only accepted values (a select box in the form). */
  choices?: readonly (string | number)[];
  /**
   * Choices read from the study a notebook runs on (`choices: indicators` or `choices: waves`
   * in the front matter): filled in by studyParams before a run, with `choiceLabels`. Without a
   * declared default, the first indicator and the latest wave.
   */
  choicesFrom?: "indicators" | "waves";
  /** The reader's names of the choices (an indicator's declared name, a wave's title). */
  choiceLabels?: Readonly<Record<string, { zh: string; en: string }>>;
  label?: { zh: string; en: string };
}

export type ParamValue = string | number | boolean;

/** Where a block starts: 1-based line of its opening fence in the notebook file. */
interface BlockBase {
  line: number;
}

export interface ProseBlock extends BlockBase {
  kind: "prose";
  markdown: string;
}

export interface SqlBlock extends BlockBase {
  kind: "sql";
  name: string;
  sql: string;
  /** Show the result as a table (default true). */
  table: boolean;
}

export interface ChartBlock extends BlockBase {
  kind: "chart";
  /** The SQL or estimate block whose rows the chart draws. */
  query: string;
  /** A Vega-Lite spec without `data`: the renderer supplies the named result's rows. */
  spec: Record<string, unknown>;
}

export interface EstimateBlock extends BlockBase {
  kind: "estimate";
  name: string;
  /** One row per respondent: the analysis variable, the `by` columns and the design columns. */
  data: string;
  design: { ids: string[]; strata?: string; weights: string };
  /**
   * quantile: Woodruff intervals (R's svyquantile, by domain as svyby); ttest: `variable` between
   * the two values of `group` (R's svyttest); chisq: `variable` x `group` (R's svychisq, Rao–Scott
   * F); glm: `variable` on `terms` (R's svyglm, `family`). A proportion's `variable` is a 0/1
   * column, its interval `ci` (R's svyciprop method).
   */
  estimator: "mean" | "proportion" | "total" | "quantile" | "ttest" | "chisq" | "glm";
  variable: string;
  by: string[];
  ci: "logit" | "wald" | "beta" | "xlogit";
  /**
   * The interval rule of means, totals and proportions (analysis/reportingIntervals.ts): absent,
   * the study's `reporting.intervals` (the marts' rule); `r` for R survey's defaults.
   */
  intervals?: "nominal" | "r";
  quantiles: number[];
  group?: string;
  terms: string[];
  family: "gaussian" | "quasibinomial";
  /** Multiply estimate, SE and CI by this (100 turns a 0/1 proportion into a percentage). */
  scale: number;
  table: boolean;
}

export type Block = ProseBlock | SqlBlock | ChartBlock | EstimateBlock;

export interface Notebook {
  /** The file name without `.md`: what errors and URLs call it. */
  name: string;
  title: { zh: string; en: string };
  /**
   * The one study the notebook is about (front matter `study:`), when it reads that study's own
   * items or tables; undefined for a notebook that works on any study (it reads the plain
   * relation names, `index_scores`, and is run on the study the reader chooses).
   */
  study?: string;
  params: ParamSpec[];
  blocks: Block[];
}

/** The result of one SQL or estimate block, by name, as later blocks and charts see it. */
export interface BlockResult {
  name: string;
  columns: SandboxColumn[];
  rows: JsonValue[][];
  truncated: boolean;
}

export type RenderedSection =
  | { kind: "prose"; markdown: string }
  | { kind: "table"; block: "sql" | "estimate"; result: BlockResult }
  | { kind: "chart"; query: string; line: number; spec: Record<string, unknown>; rows: number };

export interface RenderedNotebook {
  name: string;
  title: { zh: string; en: string };
  params: ParamSpec[];
  values: Record<string, ParamValue>;
  /** The study it ran on (its reporting rules suppress estimate blocks). */
  study: string;
  suppress: boolean;
  sections: RenderedSection[];
  /** The study's title, time zone and the names its ids are shown by. */
  names: StudyNames;
}
