import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { NotebookError } from "./NotebookError.ts";
import { themesBlock } from "./themesBlock.ts";
import type { Block, ChartBlock, EstimateBlock, Notebook, ParamSpec } from "./types.ts";

const NAME = /^[a-z_][a-z0-9_]*$/;
const bilingual = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();

const paramSchema = z
  .object({
    type: z.enum(["string", "integer", "number", "boolean"]).default("string"),
    /** Optional only with `choices: indicators | waves` (then the first indicator, the latest wave). */
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    choices: z
      .union([z.array(z.union([z.string(), z.number()])).min(1), z.enum(["indicators", "waves"])])
      .optional(),
    label: bilingual.optional(),
  })
  .strict();

const frontMatterSchema = z
  .object({
    title: bilingual,
    /** The one study this notebook is for; none: any study (it reads `index_scores`, not `index_scores__<study>`). */
    study: z.string().regex(NAME).optional(),
    params: z.record(z.string().regex(NAME), paramSchema).default({}),
  })
  .strict();

const estimateSchema = z
  .object({
    data: z.string().min(1),
    design: z
      .object({
        ids: z.union([z.string(), z.array(z.string())]),
        strata: z.string().optional(),
        weights: z.string(),
      })
      .strict(),
    estimator: z.enum(["mean", "proportion", "total", "quantile", "ttest", "chisq", "glm"]),
    variable: z.string().min(1),
    by: z.union([z.string(), z.array(z.string())]).default([]),
    /** proportion: R's svyciprop method */
    ci: z.enum(["logit", "wald", "beta", "xlogit"]).default("logit"),
    /** the interval rule (analysis/reportingIntervals.ts); default the study's reporting.intervals */
    intervals: z.enum(["nominal", "r"]).optional(),
    /** quantile: the probabilities */
    quantiles: z.array(z.number().min(0).max(1)).default([0.5]),
    /** ttest: the two-valued group column; chisq: the table's column variable */
    group: z.string().optional(),
    /** glm: the numeric term columns, and the family */
    terms: z.union([z.string(), z.array(z.string())]).default([]),
    family: z.enum(["gaussian", "quasibinomial"]).default("gaussian"),
    scale: z.number().positive().default(1),
    table: z.boolean().default(true),
  })
  .strict();

/**
 * Parse a notebook: YAML front matter (title in zh and en, an optional study, params with
 * defaults, choices listed or read from the study: `choices: indicators` or `waves`),
 * then Markdown prose and fenced blocks: ```sql name=x```, ```vega-lite query=x``` (a spec
 * without data, JSON or YAML) and ```estimate name=x``` (YAML). Every mistake is a
 * NotebookError naming the line; a chart must name a SQL or estimate block above it.
 *
 * @example
 *   const notebook = parseNotebook("weighting", readFileSync("notebooks/weighting.md", "utf8"));
 */
export function parseNotebook(name: string, text: string): Notebook {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const fail = (detail: string, line?: number, block?: string): never => {
    throw new NotebookError({ notebook: name, ...(block === undefined ? {} : { block }), line }, detail);
  };
  if (lines[0]?.trim() !== "---") fail("a notebook starts with YAML front matter between --- lines", 1);
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (end < 0) fail("the front matter is not closed by a --- line", 1);
  let front: z.infer<typeof frontMatterSchema>;
  try {
    front = frontMatterSchema.parse(parseYaml(lines.slice(1, end).join("\n")) ?? {});
  } catch (error) {
    return fail(`front matter: ${zodMessage(error)}`, 2);
  }
  const params = Object.entries(front.params).map(([key, p]) => checkParam(name, key, p));

  const blocks: Block[] = [];
  const names = new Set<string>();
  let prose: string[] = [];
  let proseLine = end + 2;
  const flushProse = () => {
    if (prose.join("").trim()) blocks.push({ kind: "prose", markdown: prose.join("\n"), line: proseLine });
    prose = [];
  };
  for (let i = end + 1; i < lines.length; i++) {
    const fence = /^```\s*([\w-]+)(.*)$/.exec(lines[i]!);
    const kind = fence?.[1];
    if (!fence || !kind || !["sql", "vega-lite", "estimate", "themes"].includes(kind)) {
      // other fenced code (```text, ```yaml) is prose: skip to its closing fence
      if (/^```/.test(lines[i]!)) {
        if (!prose.length) proseLine = i + 1;
        const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
        const stop = close < 0 ? lines.length - 1 : close;
        prose.push(...lines.slice(i, stop + 1));
        i = stop;
        continue;
      }
      if (!prose.length) proseLine = i + 1;
      prose.push(lines[i]!);
      continue;
    }
    flushProse();
    const line = i + 1;
    const attrs = parseAttributes(fence[2] ?? "", (d) => fail(d, line));
    const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (close < 0) fail(`the \`\`\`${kind} block is not closed by a \`\`\` line`, line);
    const body = lines.slice(i + 1, close).join("\n");
    i = close;
    if (kind === "vega-lite") {
      blocks.push(chartBlock(name, attrs, body, line, names));
      continue;
    }
    const blockName = attrs.name;
    if (!blockName) return fail(`a \`\`\`${kind} block needs a name: \`\`\`${kind} name=my_result`, line);
    if (!NAME.test(blockName))
      fail(`block name "${blockName}": use lowercase letters, digits and _`, line, blockName);
    if (names.has(blockName)) fail(`a block named "${blockName}" is already defined above`, line, blockName);
    names.add(blockName);
    if (kind === "themes") {
      blocks.push(themesBlock(name, blockName, body, line));
    } else if (kind === "sql") {
      if (!body.trim()) fail("the SQL block is empty", line, blockName);
      blocks.push({ kind: "sql", name: blockName, sql: body, table: attrs.table !== "false", line });
    } else {
      blocks.push(estimateBlock(name, blockName, body, line));
    }
  }
  flushProse();
  return { name, title: front.title, ...(front.study ? { study: front.study } : {}), params, blocks };
}

function checkParam(notebook: string, name: string, p: z.infer<typeof paramSchema>): ParamSpec {
  const want = p.type === "integer" || p.type === "number" ? "number" : p.type;
  const bad = (detail: string): never => {
    throw new NotebookError({ notebook, line: 2 }, `front matter: parameter "${name}": ${detail}`);
  };
  if (typeof p.choices === "string") {
    // the study's indicators or waves: the default is checked against them when it runs
    if (p.type !== "string") bad(`choices: ${p.choices} takes a parameter of type string`);
    if (p.default !== undefined && typeof p.default !== "string")
      bad(`its default ${JSON.stringify(p.default)} is not a string`);
    return { name, type: p.type, default: p.default ?? "", choicesFrom: p.choices, label: p.label };
  }
  if (p.default === undefined) return bad("it needs a default (or choices: indicators | waves)");
  if (typeof p.default !== want) bad(`its default ${JSON.stringify(p.default)} is not a ${p.type}`);
  if (p.type === "integer" && !Number.isInteger(p.default)) bad("its default is not a whole number");
  if (p.choices && !p.choices.includes(p.default as string | number))
    bad(`its default ${JSON.stringify(p.default)} is not one of its choices`);
  return { name, type: p.type, default: p.default, choices: p.choices, label: p.label };
}

function chartBlock(
  notebook: string,
  attrs: Record<string, string>,
  body: string,
  line: number,
  names: Set<string>,
): ChartBlock {
  const fail = (detail: string): never => {
    throw new NotebookError({ notebook, block: `vega-lite query=${attrs.query ?? "?"}`, line }, detail);
  };
  const query = attrs.query;
  if (!query) return fail("a ```vega-lite block needs the query it charts: ```vega-lite query=my_result");
  if (!names.has(query))
    fail(
      `the chart names the query "${query}", but no SQL or estimate block of that name comes before it` +
        (names.size ? ` (known: ${[...names].join(", ")})` : ""),
    );
  let spec: unknown;
  try {
    spec = parseYaml(body);
  } catch (error) {
    return fail(`the Vega-Lite spec is not valid JSON or YAML: ${(error as Error).message}`);
  }
  if (!spec || typeof spec !== "object" || Array.isArray(spec))
    return fail("the Vega-Lite spec is not an object");
  if ("data" in spec) fail("leave `data` out of the spec: the renderer supplies the rows of the named query");
  return { kind: "chart", query, spec: spec as Record<string, unknown>, line };
}

function estimateBlock(notebook: string, name: string, body: string, line: number): EstimateBlock {
  let spec: z.infer<typeof estimateSchema>;
  try {
    spec = estimateSchema.parse(parseYaml(body) ?? {});
  } catch (error) {
    throw new NotebookError({ notebook, block: name, line }, `estimate block: ${zodMessage(error)}`);
  }
  if ((spec.estimator === "ttest" || spec.estimator === "chisq") && !spec.group)
    throw new NotebookError(
      { notebook, block: name, line },
      `estimate block: ${spec.estimator} needs \`group\``,
    );
  const list = (v: string | string[]) => (Array.isArray(v) ? v : v.split("+").map((s) => s.trim()));
  return {
    kind: "estimate",
    name,
    data: spec.data,
    design: {
      ids: list(spec.design.ids),
      weights: spec.design.weights,
      ...(spec.design.strata ? { strata: spec.design.strata } : {}),
    },
    estimator: spec.estimator,
    variable: spec.variable,
    by: list(spec.by).filter(Boolean),
    ci: spec.ci,
    ...(spec.intervals ? { intervals: spec.intervals } : {}),
    quantiles: spec.quantiles,
    ...(spec.group ? { group: spec.group } : {}),
    terms: list(spec.terms).filter(Boolean),
    family: spec.family,
    scale: spec.scale,
    table: spec.table,
    line,
  };
}

/** `name=townships table=false` → { name: "townships", table: "false" }. */
function parseAttributes(text: string, fail: (detail: string) => never): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z-]+)=("?)([^"]*)\2$/.exec(part);
    if (!m) fail(`cannot read the fence attribute "${part}" (write key=value)`);
    attrs[m![1]!] = m![3]!;
  }
  return attrs;
}

function zodMessage(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
  }
  return (error as Error).message;
}
