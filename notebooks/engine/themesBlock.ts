import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { NotebookError } from "./NotebookError.ts";
import type { SqlBlock } from "./types.ts";

const ident = z.string().regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and _");

const themesSchema = z
  .object({
    study: ident,
    /** The open question (item name in the codebook). */
    item: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "letters, digits and _"),
    /** A wave id, or a parameter: `$wave`. */
    wave: z.string().regex(/^(\$[a-z][a-z0-9_]*|[A-Za-z0-9_-]+)$/),
    level: z.enum(["district", "township"]).default("district"),
    /** The largest shares only; the blank and uncoded shares are always kept. */
    top: z.number().int().positive().optional(),
  })
  .strict();

/**
 * A ```themes name=x``` block: the theme shares of one open question as leaders see them
 * (theme_scores: suppressed, with change), largest first, as a SQL block over the snapshot:
 *
 * ```themes name=union_themes
 * study: mass_org_evaluation
 * item: op_un
 * wave: $wave
 * top: 5
 * ```
 *
 * The item, wave and level are checked here and passed as literals or the notebook's bound
 * parameter; the rows can be charted like any SQL block's.
 */
export function themesBlock(notebook: string, name: string, body: string, line: number): SqlBlock {
  let spec: z.infer<typeof themesSchema>;
  try {
    spec = themesSchema.parse(parseYaml(body) ?? {});
  } catch (error) {
    const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
    throw new NotebookError(
      { notebook, block: name, line },
      `themes block: ${issue ? `${issue.path.join(".")}: ${issue.message}` : (error as Error).message}`,
    );
  }
  const wave = spec.wave.startsWith("$") ? spec.wave : `'${spec.wave}'`;
  const sql = `with shares as (
    select theme_id, unit_code, estimate_0_100, ci_low_0_100, ci_high_0_100, change_0_100, change_p_value, n, is_withheld, withheld_reason,
           row_number() over (partition by unit_code order by (theme_id like '\\_%' escape '\\'), estimate_0_100 desc nulls last, theme_id) as theme_rank
    from theme_scores__${spec.study}
    where wave_id = ${wave} and item = '${spec.item}' and unit_level = '${spec.level}' and group_var = ''
)
select * exclude (theme_rank) from shares
${spec.top ? `where theme_rank <= ${spec.top} or theme_id like '\\_%' escape '\\'` : ""}
order by unit_code, theme_rank`;
  return { kind: "sql", name, sql, table: true, line };
}
