import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { CHECKED } from "./buildValidation.ts";
import type { RowChecks } from "./checkRows.ts";
import type { UploadPlan } from "./planUpload.ts";
import { RAW_META_COLUMNS, rawColumnTypes, rawTableName } from "./registerStudy.ts";
import { usedParams } from "./usedParams.ts";

/**
 * Land: insert the rows that passed every check (those not in CHECKED) into the study's raw
 * table, in the upload's transaction, one more native read of the file: plain codes as
 * SMALLINT, whole numbers as BIGINT (validated: the casts cannot fail), personal columns
 * HMACed or left out as the study says. Columns that hold codes only are read as numbers
 * where they land as numbers: the reader parses them faster than a cast of the text.
 */
export async function landRows(tx: Session, plan: UploadPlan, checks: RowChecks): Promise<void> {
  const { study, waveId, read } = plan;
  const q = quoteIdent;
  const types = rawColumnTypes(study);
  const typed = new Map(
    plan.mapping.mapped
      .filter((m) => checks.clean.has(m.item) && types.get(m.item) === "SMALLINT")
      .map((m) => [m.column, "SMALLINT"]),
  );
  const mapped = checks.validation.mapped(
    `source_row not in (select source_row from ${CHECKED})`,
    read.typedSource(typed),
  );
  const hmacColumns = new Set(
    [...plan.rules].filter(([, action]) => action === "hmac").map(([column]) => column),
  );
  const columns = [...types.keys()].filter((c) => plan.codebook.item(c));
  const hmac = plan.hmac;
  const select = columns.map((c) =>
    hmacColumns.has(c)
      ? hmac.landed(q(c))
      : types.get(c) === "VARCHAR"
        ? q(c)
        : `cast(${q(c)} as ${types.get(c)})`,
  );
  const sql = `insert into ${q(rawTableName(study.id))} (${[...RAW_META_COLUMNS, ...columns].map(q).join(", ")})
     with _mapped as (${mapped})
     select $upload, $wave, source_row, ${q(study.respondent_id)}, ${select.join(", ")}
     from _mapped`;
  // a study without a column to pseudonymise binds no key
  const params = {
    upload: plan.uploadId,
    wave: waveId,
    ...hmac.params,
    ...usedParams(checks.params, mapped),
  };
  await tx.run(sql, usedParams(params, sql));
}
