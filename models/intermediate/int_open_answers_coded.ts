import { quoteIdent } from "../../db/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["stg_open_answers"];

/**
 * Every masked open answer coded by the study's theme codebook: the themes it raises (several
 * at once, or none: uncoded), each with what matched ("matched 托管 in 暑期托管"), and the
 * codebook version that coded it.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const setup = openAnswerSetup(study);
  const rows: Record<string, unknown>[] = [];
  if (setup) {
    const answers = await session.query<{
      wave_id: string;
      respondent_id: string;
      item: string;
      organization_id: string;
      answer: string | null;
    }>(
      `select wave_id, respondent_id, item, organization_id, answer from ${quoteIdent(ref("stg_open_answers"))}
       order by wave_id, item, respondent_id`,
    );
    // segmenting and coding on the compute thread, in slices so none holds it long
    const SLICE = 2000;
    for (let start = 0; start < answers.length; start += SLICE) {
      const slice = answers.slice(start, start + SLICE);
      const coded = await offThread(
        "codeAnswers",
        setup.files,
        setup.codebook,
        slice.map((a) => a.answer),
      );
      slice.forEach((a, i) => {
        const c = coded[i]!;
        rows.push({
          wave_id: a.wave_id,
          respondent_id: a.respondent_id,
          item: a.item,
          organization_id: a.organization_id,
          is_blank: c.isBlank,
          is_uncoded: !c.isBlank && c.themes.length === 0,
          theme_ids: c.themes,
          explanations: c.explanations,
          codebook_version: setup.codebook.version,
        });
      });
    }
  }
  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      respondent_id: "varchar",
      item: "varchar",
      organization_id: "varchar",
      is_blank: "boolean",
      is_uncoded: "boolean",
      theme_ids: "varchar[]",
      explanations: "varchar[]",
      codebook_version: "integer",
    },
    rows,
  );
}
