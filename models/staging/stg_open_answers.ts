import { quoteIdent } from "../../db/index.ts";
import { rawTableName } from "../../ingest/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["stg_responses"];

/**
 * The open answers (study.yaml `open_answers`) of the loaded uploads, masked: phone and ID
 * numbers, emails and names are replaced (themes/maskPersonalText.ts) here, as they leave the
 * raw table; no other model reads the raw text (the raw source leaves these columns out). One
 * row per respondent and open question asked in the respondent's wave, blank answers included.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const setup = openAnswerSetup(study);
  const rows: Record<string, unknown>[] = [];
  if (setup) {
    const q = quoteIdent;
    const asked = (item: string) =>
      study.waves
        .filter((w) => study.codebookByVersion.get(w.codebook)?.items.some((i) => i.name === item))
        .map((w) => w.id);
    for (const { item, organizationId } of setup.items) {
      const waves = asked(item);
      if (waves.length === 0) continue;
      const answers = await session.query<{ wave_id: string; respondent_id: string; answer: string | null }>(
        `select r.wave_id, r.respondent_id, cast(r.${q(item)} as varchar) as answer
         from ${q(rawTableName(study.id))} as r
         join ${q(ref("stg_responses"))} as s using (wave_id, respondent_id, upload_id)
         where list_contains(cast(json($waves) as varchar[]), r.wave_id)
         order by r.wave_id, r.respondent_id`,
        { waves: JSON.stringify(waves) },
      );
      const masked = await offThread(
        "maskAnswers",
        answers.map((a) => a.answer),
      );
      answers.forEach((a, i) => {
        rows.push({
          wave_id: a.wave_id,
          respondent_id: a.respondent_id,
          item,
          organization_id: organizationId,
          answer: masked[i]!.text,
          n_masked: masked[i]!.masked,
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
      answer: "varchar",
      n_masked: "integer",
    },
    rows,
  );
}
