import { quoteIdent } from "../../db/quoteIdent.ts";
import type { SandboxQuerier, SandboxSuccess } from "../../server/sandbox/index.ts";
import { composeSql } from "./composeSql.ts";
import { inspectSql } from "./inspectSql.ts";
import { NotebookError } from "./NotebookError.ts";
import { type ReportingRules, runEstimate } from "./runEstimate.ts";
import type { BlockResult, Notebook, ParamValue, RenderedSection, SqlBlock } from "./types.ts";

export interface RunOptions {
  /** The SQL sandbox (a started SqlSandbox over the analytics snapshot). */
  sandbox: SandboxQuerier;
  /** Resolved parameter values (resolveParams). */
  values: Record<string, ParamValue>;
  /** The study it runs on (chooseStudy): its reporting rules, and the tables plain names read. */
  study: string;
  /**
   * The study's relations a block may read by their plain name (`index_scores` for
   * `index_scores__<study>`; snapshotStudies). Default: none, only the suffixed names.
   */
  relations?: ReadonlySet<string>;
  /** Follow the suppression rules (default true); false only for analysts (`--no-suppress`). */
  suppress?: boolean;
  /** Rows kept per SQL block (default 10,000): past it the result is marked truncated. */
  maxRows?: number;
}

/** Marts that carry figures before suppression: read only with suppression off. */
export const UNSUPPRESSED = /^index_estimates(__\w+)?$/;
/** Rows an estimate block's data query may return (one per respondent). */
const MAX_ESTIMATE_ROWS = 1_000_000;

/**
 * Run a notebook's blocks in order. SQL blocks run in the sandbox, one statement each, with
 * earlier blocks available by name (composeSql) and parameters bound ($wave), never spliced;
 * a plain relation name (`index_scores`) reads the study's own (`index_scores__<study>`);
 * estimate blocks fetch their rows the same way and run the statistics engine on them
 * (runEstimate); charts get the rows of the block they name. The first failure stops the
 * run with a NotebookError naming the notebook, block and line, and the database's message.
 */
export async function runNotebook(notebook: Notebook, options: RunOptions): Promise<RenderedSection[]> {
  const suppress = options.suppress ?? true;
  const sqlBlocks = new Map<string, SqlBlock>();
  const results = new Map<string, BlockResult>();
  const sections: RenderedSection[] = [];
  let rules: ReportingRules | undefined;

  const query = async (
    text: string,
    place: { block: string; line: number },
    maxRows: number,
  ): Promise<SandboxSuccess> => {
    const fail = (detail: string, line = place.line): never => {
      throw new NotebookError({ notebook: notebook.name, block: place.block, line }, detail);
    };
    const own = await inspectSql(options.sandbox, text);
    if (own.error) fail(own.error, place.line + 1 + (own.errorLine ?? 0));
    let composed = composeSql(text, own.tables, sqlBlocks);
    let inspected = composed.offset ? await inspectSql(options.sandbox, composed.sql) : own;
    const plain = new Map(
      inspected.tables
        .filter((t) => options.relations?.has(t) && !sqlBlocks.has(t))
        .map((t) => [t, `${t}__${options.study}`]),
    );
    if (plain.size) {
      composed = composeSql(text, own.tables, sqlBlocks, plain);
      inspected = await inspectSql(options.sandbox, composed.sql);
    }
    if (suppress) {
      const raw = inspected.tables.find((t) => UNSUPPRESSED.test(t));
      if (raw)
        fail(
          `reads ${raw}, which holds figures before suppression; read index_scores instead, or render with --no-suppress (analysts only)`,
        );
    }
    const params: Record<string, ParamValue> = {};
    for (const name of inspected.params) {
      if (/^\d+$/.test(name)) fail(`use named parameters ($wave), not positional ones ($${name})`);
      if (!(name in options.values)) {
        const known = Object.keys(options.values).join(", ") || "none";
        fail(`unknown parameter $${name} (this notebook declares: ${known})`);
      }
      params[name] = options.values[name]!;
    }
    const result = await options.sandbox.query(composed.sql, { params, maxRows });
    if (!result.ok) {
      const at = /LINE (\d+):/.exec(result.error.message);
      const line = at ? place.line + Math.max(1, Number(at[1]) - composed.offset) : place.line;
      return fail(result.error.message, line);
    }
    return result;
  };

  for (const block of notebook.blocks) {
    if (block.kind === "prose") {
      sections.push({ kind: "prose", markdown: block.markdown });
    } else if (block.kind === "sql") {
      const data = await query(block.sql, { block: block.name, line: block.line }, options.maxRows ?? 10_000);
      const result = { name: block.name, columns: data.columns, rows: data.rows, truncated: data.truncated };
      sqlBlocks.set(block.name, block);
      results.set(block.name, result);
      if (block.table) sections.push({ kind: "table", block: "sql", result });
    } else if (block.kind === "estimate") {
      rules ??= await reportingRules(options.sandbox, notebook, options.study, block);
      const data = await query(block.data, { block: block.name, line: block.line }, MAX_ESTIMATE_ROWS);
      if (data.truncated)
        throw new NotebookError(
          { notebook: notebook.name, block: block.name, line: block.line },
          "the data query returned more rows than an estimate block can take; narrow it (e.g. one wave)",
        );
      let result: BlockResult;
      try {
        result = await runEstimate(block, data, rules, suppress);
      } catch (error) {
        throw new NotebookError(
          { notebook: notebook.name, block: block.name, line: block.line },
          (error as Error).message,
          { cause: error },
        );
      }
      results.set(block.name, result);
      if (block.table) sections.push({ kind: "table", block: "estimate", result });
    } else {
      const result = results.get(block.query)!; // parseNotebook checked the name
      const values = result.rows.map((row) =>
        Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])),
      );
      const spec = {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        ...block.spec,
        data: { values },
      };
      sections.push({ kind: "chart", query: block.query, line: block.line, spec, rows: values.length });
    }
  }
  return sections;
}

async function reportingRules(
  sandbox: SandboxQuerier,
  notebook: Notebook,
  study: string,
  place: { name: string; line: number },
): Promise<ReportingRules> {
  const table = `seed_reporting__${study}`;
  const result = await sandbox.query(`select * from ${quoteIdent(table)} where study_id = $study`, {
    params: { study },
  });
  const row = result.ok ? result.rows[0] : undefined;
  if (!row)
    throw new NotebookError(
      { notebook: notebook.name, block: place.name, line: place.line },
      `cannot read the reporting rules of study ${study} from ${table}: ${result.ok ? "no row" : result.error.message}`,
    );
  // by name: a snapshot made before a column was added lacks it (intervals: the default rule)
  const value = (name: string) => row[result.ok ? result.columns.findIndex((c) => c.name === name) : -1];
  return {
    minN: Number(value("min_n")),
    maxRse: Number(value("max_rse")),
    confidenceLevel: Number(value("confidence_level")),
    intervals: value("intervals") === "r" ? "r" : "nominal",
  };
}
