import { quoteIdent } from "../../db/index.ts";
import { createView } from "../runner/createView.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { SCORE_CATALOG_SQL, scoreColumns } from "./int_scores_wide.ts";

export const dependsOn = ["int_scores_wide", "seed_index_items", "seed_indicators"];

/**
 * Each respondent's score on every index in long form (one row per respondent and score,
 * unscored ones left out): a view of the score columns of int_scores_wide, where the scores
 * are computed, each column beside its row of the score catalog (index, organization,
 * level, aspect). Nothing is stored twice; analysts query it like any relation. One branch
 * per score column, so a query about some scores reads only their columns.
 */
export async function build({ session, ref, self }: ModelContext): Promise<void> {
  const wide = quoteIdent(ref("int_scores_wide"));
  const items = quoteIdent(ref("seed_index_items"));
  const branch = (score: string, where: string) => `    select
        w.wave_id,
        w.respondent_id,
        c.index_id,
        c.organization_id,
        c.level,
        c.aspect,
        c.estimator,
        ${score} as score_0_100,
        c.score_key
    from wide as w, catalog as c
    where ${where}`;
  const branches = (await scoreColumns(session, ref("int_scores_wide"), ref("seed_index_items"))).map((k) => {
    const column = `w.${quoteIdent(k.score_key)}`;
    return branch(column, `c.score_position = ${Number(k.score_position)} and ${column} is not null`);
  });
  await createView(
    session,
    self,
    `with

wide as (
    select * from ${wide}
),

catalog as (${SCORE_CATALOG_SQL.replaceAll("{{ items }}", items)}
),

final as (
${branches.length ? branches.join("\n    union all\n") : branch("0::double", "false")}
)

select * from final`,
  );
}
