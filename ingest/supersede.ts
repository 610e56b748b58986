import type { Session } from "../db/index.ts";
import { message } from "../messages/catalogue.ts";

/**
 * A replacing upload (`--replace`): the loaded upload it names, of the same study and wave,
 * is superseded, inside the new upload's transaction. Naming no such upload, or one not
 * loaded, is an error (the catalogue's sentence, in English).
 */
export async function supersede(
  tx: Session,
  studyId: string,
  waveId: string,
  replaced: string,
): Promise<void> {
  const rows = await tx.query<{ status: string }>(
    "select status from uploads where upload_id = $1 and study_id = $2 and wave_id = $3",
    [replaced, studyId, waveId],
  );
  if (!rows[0])
    throw new Error(
      message("ingest.replace_unknown", "en", { upload: replaced, study: studyId, wave: waveId }),
    );
  if (rows[0].status !== "loaded")
    throw new Error(message("ingest.replace_not_loaded", "en", { upload: replaced, status: rows[0].status }));
  await tx.run("update uploads set status = 'superseded' where upload_id = $1", [replaced]);
}
