import { quoteIdent } from "../../db/quoteIdent.ts";
import type { SandboxQuerier } from "../../server/sandbox/index.ts";
import { NotebookError } from "./NotebookError.ts";
import type { Notebook, ParamSpec } from "./types.ts";

/**
 * The notebook's parameters for `study`: `choices: indicators` becomes the study's indicator
 * ids in the order leaders read them (seed_indicators: composites, then the indicators and
 * their details), `choices: waves` its waves that have figures (seed_waves, in fielding order),
 * each with its reader's name. Without a declared default: the first indicator, the latest
 * wave. A declared default the study lacks is refused, naming the choices.
 */
export async function studyParams(
  notebook: Notebook,
  sandbox: SandboxQuerier,
  study: string,
  relations: ReadonlySet<string>,
): Promise<ParamSpec[]> {
  const cache = new Map<string, { id: string; zh: string; en: string }[]>();
  const read = async (source: "indicators" | "waves") => {
    const known = cache.get(source);
    if (known) return known;
    const table = (base: string) => quoteIdent(`${base}__${study}`);
    const sql =
      source === "indicators"
        ? `select index_id, name_zh, name_en from ${table("seed_indicators")} order by sort_order, index_id`
        : `select wave_id, title_zh, title_en from ${table("seed_waves")}
           ${relations.has("index_scores") ? `where wave_id in (select wave_id from ${table("index_scores")})` : ""}
           order by wave_order`;
    const result = await sandbox.query(sql, { params: [] });
    if (!result.ok)
      throw new NotebookError(
        { notebook: notebook.name, line: 2 },
        `cannot read the ${source} of study ${study}: ${result.error.message}`,
      );
    const rows = result.rows.map((r) => ({ id: String(r[0]), zh: String(r[1]), en: String(r[2]) }));
    cache.set(source, rows);
    return rows;
  };
  const params: ParamSpec[] = [];
  for (const p of notebook.params) {
    if (!p.choicesFrom) {
      params.push(p);
      continue;
    }
    const rows = await read(p.choicesFrom);
    const choices = rows.map((r) => r.id);
    const fallback = p.choicesFrom === "waves" ? choices.at(-1) : choices[0];
    const value = p.default === "" ? fallback : String(p.default);
    if (value === undefined || !choices.includes(value))
      throw new NotebookError(
        { notebook: notebook.name, line: 2 },
        value === undefined
          ? `parameter "${p.name}": study ${study} has no ${p.choicesFrom} with figures yet`
          : `parameter "${p.name}": its default "${value}" is not one of study ${study}'s ${p.choicesFrom} (${choices.join(", ")})`,
      );
    params.push({
      ...p,
      default: value,
      choices,
      choiceLabels: Object.fromEntries(rows.map((r) => [r.id, { zh: r.zh, en: r.en }])),
    });
  }
  return params;
}
