import { quoteIdent } from "../../db/index.ts";
import { rawTableName } from "../../ingest/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["stg_responses"];

/** Texts sent to the compute thread per task: none holds it long. */
const SLICE = 4000;

/**
 * The open answers (study.yaml `open_answers`) of the loaded uploads, masked: phone and ID
 * numbers, emails and names are replaced (themes/maskPersonalText.ts) here, as they leave the
 * raw table; no other model reads the raw text (the raw source leaves these columns out). One
 * row per respondent and open question asked in the respondent's wave, blank answers included.
 *
 * Masking is a function of the text alone, so each distinct text is masked once (on the
 * compute thread) and the rows take theirs by a join in DuckDB: answers repeat ("无", "没有",
 * blanks), and a million rows never pass through JavaScript. The raw texts stay in a
 * temporary table of this session, dropped before the model ends.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const setup = openAnswerSetup(study);
  const q = quoteIdent;
  const asked = (item: string) =>
    study.waves
      .filter((w) => study.codebookByVersion.get(w.codebook)?.items.some((i) => i.name === item))
      .map((w) => w.id);
  const parts = (setup?.items ?? [])
    .map(({ item, organizationId }) => ({ item, organizationId, waves: asked(item) }))
    .filter((p) => p.waves.length > 0);
  const columns = "wave_id varchar, respondent_id varchar, item varchar, organization_id varchar";
  if (parts.length === 0) {
    await session.run(`create or replace table ${q(self)} (${columns}, answer varchar, n_masked integer)`);
    return;
  }
  const raw = `${self}__raw`;
  const masks = `${self}__masks`;
  try {
    // one pass over the loaded rows: the open questions unpivoted, each kept in the waves that
    // asked it (a small table of item, organization and wave)
    const asks = parts.flatMap((p) =>
      p.waves.map((wave) => ({ item: p.item, organization_id: p.organizationId, wave_id: wave })),
    );
    await session.run(
      `create or replace temp table ${q(raw)} as
       select u.wave_id, u.respondent_id, u.item, a.organization_id, u.raw_answer
       from (
         select r.wave_id, r.respondent_id,
                ${parts.map((p) => `cast(r.${q(p.item)} as varchar) as ${q(p.item)}`).join(", ")}
         from ${q(rawTableName(study.id))} as r
         join ${q(ref("stg_responses"))} as s using (wave_id, respondent_id, upload_id)
       ) unpivot include nulls (raw_answer for item in (${parts.map((p) => q(p.item)).join(", ")})) as u
       join (select unnest(cast(json($asks) as struct(item varchar, organization_id varchar, wave_id varchar)[]), recursive := true)) as a
         using (item, wave_id)`,
      { asks: JSON.stringify(asks) },
    );
    const texts = (
      await session.query<{ raw_answer: string }>(
        `select distinct raw_answer from ${q(raw)} where raw_answer is not null`,
      )
    ).map((r) => r.raw_answer);
    const rows: Record<string, unknown>[] = [];
    for (let start = 0; start < texts.length; start += SLICE) {
      const slice = texts.slice(start, start + SLICE);
      const masked = await offThread("maskAnswers", slice);
      slice.forEach((t, i) => {
        rows.push({ raw_answer: t, answer: masked[i]!.text, n_masked: masked[i]!.masked });
      });
    }
    await writeRows(session, masks, { raw_answer: "varchar", answer: "varchar", n_masked: "integer" }, rows, {
      temporary: true,
    });
    await session.run(
      `create or replace table ${q(self)} as
       select r.wave_id, r.respondent_id, r.item, r.organization_id,
              m.answer, coalesce(m.n_masked, 0)::integer as n_masked
       from ${q(raw)} as r
       left join ${q(masks)} as m on m.raw_answer = r.raw_answer`,
    );
  } finally {
    await session.run(`drop table if exists temp.${q(raw)}`);
    await session.run(`drop table if exists temp.${q(masks)}`);
  }
}
