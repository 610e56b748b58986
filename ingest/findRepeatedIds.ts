import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { CHECKED } from "./buildValidation.ts";
import type { UploadPlan } from "./planUpload.ts";
import { rawTableName } from "./registerStudy.ts";
import { tempTextTable } from "./tempTextTable.ts";

/** The temp table of ids known to repeat in the file, which the row checks quarantine (buildValidation). */
const REPEATED = "_dup_ids";

/**
 * Find repeated ids: the ids that come more than once in the file and that the checks did
 * not know of, found among the ids just landed and quarantined, in the upload's transaction
 * (counting them before the checks would take a pass over the file of its own). Grouped by a
 * hash of the id first, a smaller table than the ids, then by the ids whose hash repeats, to
 * be exact; in parts of at most `plan.idPartRows` ids, by hash, so memory stays the same
 * whatever the size of the file. None in the commonest file; when there are some, the upload
 * starts over with them known (noteRepeatedIds).
 */
export async function findRepeatedIds(tx: Session, plan: UploadPlan): Promise<string[]> {
  const raw = quoteIdent(rawTableName(plan.study.id));
  const u = plan.uploadId;
  const [{ rows }] = (await tx.query<{ rows: number }>(
    `select (select count(*) from ${raw} where upload_id = $u) + (select count(*) from ${CHECKED}) as rows`,
    { u },
  )) as [{ rows: number }];
  const parts = Math.max(1, Math.ceil(Number(rows) / plan.idPartRows));
  const found: string[] = [];
  for (let part = 0; part < parts; part++) {
    const ids = await tx.query<{ id: string }>(
      `with ids as (select id, hash(id) as h from (
                      select respondent_id as id from ${raw} where upload_id = $u
                      union all select rid from ${CHECKED} where rid is not null)
                    where hash(id) % ${parts} = ${part}),
       repeated as (select h from ids group by h having count(*) > 1)
       select id from ids where h in (select h from repeated) and id not in (select id from ${REPEATED})
       group by id having count(*) > 1`,
      // the part as SQL numbers: as bound values, DuckDB takes twenty times as long
      { u },
    );
    for (const { id } of ids) found.push(id);
  }
  return found;
}

/**
 * The ids the row checks take to repeat in the file (made on the session, outside the
 * upload's transaction, so a transaction rolled back to start over keeps them).
 */
export async function noteRepeatedIds(session: Session, ids: readonly string[]): Promise<void> {
  await tempTextTable(
    session,
    REPEATED,
    ["id"],
    ids.map((id) => [id]),
  );
}
