import { quoteIdent } from "../../db/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["stg_open_answers"];

/** Texts coded on the compute thread per task: none holds it long. */
const SLICE = 2000;

/**
 * Every masked open answer coded by the study's theme codebook: the themes it raises (several
 * at once, or none: uncoded), each with what matched ("matched 托管 in 暑期托管"), and the
 * codebook version that coded it.
 *
 * Coding is a function of the text alone (one codebook for every open question), so each
 * distinct text is segmented and coded once on the compute thread, and the rows take their
 * codes by a join in DuckDB. A missing answer is blank.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const setup = openAnswerSetup(study);
  const q = quoteIdent;
  const codes = `${self}__codes`;
  const rows: Record<string, unknown>[] = [];
  if (setup) {
    const texts = (
      await session.query<{ answer: string }>(
        `select distinct answer from ${q(ref("stg_open_answers"))} where answer is not null`,
      )
    ).map((r) => r.answer);
    for (let start = 0; start < texts.length; start += SLICE) {
      const slice = texts.slice(start, start + SLICE);
      const coded = await offThread("codeAnswers", setup.files, setup.codebook, slice);
      slice.forEach((answer, i) => {
        const c = coded[i]!;
        rows.push({ answer, is_blank: c.isBlank, theme_ids: c.themes, explanations: c.explanations });
      });
    }
  }
  try {
    await writeRows(
      session,
      codes,
      { answer: "varchar", is_blank: "boolean", theme_ids: "varchar[]", explanations: "varchar[]" },
      rows,
      { temporary: true },
    );
    await session.run(
      `create or replace table ${q(self)} as
       select o.wave_id, o.respondent_id, o.item, o.organization_id,
              coalesce(c.is_blank, true) as is_blank,
              not coalesce(c.is_blank, true) and len(c.theme_ids) = 0 as is_uncoded,
              coalesce(c.theme_ids, []::varchar[]) as theme_ids,
              coalesce(c.explanations, []::varchar[]) as explanations,
              $version::integer as codebook_version
       from ${q(ref("stg_open_answers"))} as o
       left join ${q(codes)} as c on c.answer = o.answer
       ${setup ? "" : "where false"}`,
      { version: setup?.codebook.version ?? 0 },
    );
  } finally {
    await session.run(`drop table if exists temp.${q(codes)}`);
  }
}
