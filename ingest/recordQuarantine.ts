import type { Session } from "../db/index.ts";
import { CHECKED } from "./buildValidation.ts";
import { tempTextTable } from "./tempTextTable.ts";

/**
 * The failing rows (CHECKED) into the quarantine, under the upload id: one row per failed
 * check with its reason in both languages, and each row's original cells (masked like every
 * quarantined row) to download and fix.
 */
export async function recordQuarantine(
  tx: Session,
  uploadId: string,
  reasons: readonly { key: string; column: string; zh: string; en: string }[],
): Promise<void> {
  await tempTextTable(
    tx,
    "_reasons",
    ["k", "c", "zh", "en"],
    reasons.map((r) => [r.key, r.column, r.zh, r.en]),
  );
  await tx.run(
    `insert into quarantine (upload_id, source_row, column_name, value, reason_code, reason_zh, reason_en)
     select $u, source_row, e.c, e.v, e.k, r.zh, r.en
     from (select source_row, unnest(errors) as e from ${CHECKED}) x
     join _reasons r on r.k = x.e.k and r.c = x.e.c
     order by source_row`,
    { u: uploadId },
  );
  await tx.run(
    `insert into quarantine_rows (upload_id, source_row, cells)
     select $u, source_row, cells from ${CHECKED} order by source_row`,
    { u: uploadId },
  );
}
