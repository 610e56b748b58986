import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { Session } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";

export const LAYERS = ["seeds", "staging", "intermediate", "marts"] as const;
export type Layer = (typeof LAYERS)[number];

const contractSchema = z
  .object({
    description: z.string().min(1),
    grain: z.string().min(1),
    key: z.array(z.string()).min(1),
    /**
     * Why the key is unique and not null without checking every row, for a view many times
     * longer than the relation it is built from (an unpivot): that relation's key, checked
     * in its contract, and premises the invariants (or the model) check.
     */
    key_by_construction: z.string().min(1).optional(),
    not_null: z.array(z.string()).default([]),
    accepted_values: z
      .record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])))
      .default({}),
    invariants: z.array(z.object({ name: z.string().min(1), sql: z.string().min(1) }).strict()).default([]),
  })
  .strict();
export type Contract = z.infer<typeof contractSchema>;

/** What a TypeScript model gets: the run's session, the study, and names of other relations. */
export interface ModelContext {
  session: Session;
  study: Study;
  /** The relation name of another model for this study. */
  ref(name: string): string;
  /** The relation this model must create (a table, or a view: see runner/createView.ts). */
  self: string;
  /** Objects TypeScript models hand to later ones in the same run (e.g. a calibrated design). */
  shared: Map<string, unknown>;
}

export interface TsModule {
  dependsOn: string[];
  /**
   * Models this one waits for without reading them: the run's one JavaScript thread goes to
   * those first (a mart on the way to the leaders' figures before one that is not).
   */
  runsAfter?: string[];
  /** The model hands objects to later ones (`shared`): a run that builds any of those builds it too. */
  sharesState?: boolean;
  build(ctx: ModelContext): Promise<void>;
}

export interface Model {
  name: string;
  layer: Layer;
  file: string;
  kind: "sql" | "ts";
  sql?: string;
  module?: TsModule;
  dependsOn: string[];
  /** Models it starts after without depending on them (TsModule.runsAfter); ignored when not in the run */
  runsAfter: string[];
  /** TypeScript models that hand objects to later ones in the same run (see TsModule). */
  sharesState: boolean;
  contract: Contract;
  /** SQL models: staging ones are views, the others tables; a TypeScript model makes its own choice */
  materialized: "view" | "table";
}

const REF = /\{\{\s*ref\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}/g;
const SOURCE = /\{\{\s*source\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}/g;

/** References a SQL model makes: `{{ ref('name') }}`. */
export function refsOf(sql: string): string[] {
  return [...new Set([...sql.matchAll(REF)].map((m) => m[1]!))];
}

/**
 * Substitute the only two template forms there are: `{{ ref('model') }}` and
 * `{{ source('name') }}`, each by a quoted relation. Values are bound, never substituted.
 */
export function renderSql(
  sql: string,
  ref: (name: string) => string,
  source: (name: string) => string,
): string {
  return sql
    .replace(REF, (_m, name: string) => ref(name))
    .replace(SOURCE, (_m, name: string) => source(name));
}

function loadContract(path: string, model: string): Contract {
  if (!existsSync(path)) throw new Error(`model ${model} has no contract (${basename(path)} beside it)`);
  const result = contractSchema.safeParse(parse(readFileSync(path, "utf8")));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${basename(path)}, field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return result.data;
}

/** Every model under `dir` (models/), with its contract, in dependency order. */
export async function loadModels(dir: string): Promise<Model[]> {
  const models: Model[] = [];
  for (const layer of LAYERS) {
    const folder = join(dir, layer);
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).sort()) {
      // .js: a TypeScript model in the build (dist/)
      const match = /^([a-z0-9_]+)\.(sql|ts|js)$/.exec(file);
      if (!match) continue;
      const [, name, found] = match as unknown as [string, string, "sql" | "ts" | "js"];
      const ext = found === "js" ? "ts" : found;
      const path = join(folder, file);
      const contract = loadContract(join(folder, `${name}.yml`), name);
      const materialized = layer === "staging" ? "view" : "table";
      if (ext === "sql") {
        const sql = readFileSync(path, "utf8");
        models.push({
          name,
          layer,
          file: path,
          kind: "sql",
          sql,
          dependsOn: refsOf(sql),
          runsAfter: [],
          sharesState: false,
          contract,
          materialized,
        });
      } else {
        const module = (await import(path)) as TsModule;
        if (typeof module.build !== "function")
          throw new Error(`${path}: a TypeScript model exports build(ctx)`);
        models.push({
          name,
          layer,
          file: path,
          kind: "ts",
          module,
          dependsOn: module.dependsOn ?? [],
          runsAfter: module.runsAfter ?? [],
          sharesState: module.sharesState === true,
          contract,
          materialized: "table",
        });
      }
    }
  }
  return orderModels(models);
}

/** Topological order; a cycle or an unknown reference is an error naming the models. */
export function orderModels(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  for (const m of models) {
    for (const d of [...m.dependsOn, ...m.runsAfter])
      if (!byName.has(d)) throw new Error(`model ${m.name} refers to unknown model ${d}`);
  }
  const order: Model[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (m: Model, path: string[]) => {
    if (state.get(m.name) === "done") return;
    if (state.get(m.name) === "visiting")
      throw new Error(`models depend on each other in a cycle: ${[...path, m.name].join(" -> ")}`);
    state.set(m.name, "visiting");
    for (const d of [...m.dependsOn, ...m.runsAfter]) visit(byName.get(d)!, [...path, m.name]);
    state.set(m.name, "done");
    order.push(m);
  };
  for (const m of models) visit(m, []);
  return order;
}
