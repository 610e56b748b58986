import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { buildValidation, CHECKED, HMAC_MARKED_CELL, NOT_CLEAN, type Validation } from "./buildValidation.ts";
import { IngestRefusal, showValue } from "./IngestRefusal.ts";
import type { UploadPlan } from "./planUpload.ts";
import { rawTableName } from "./registerStudy.ts";
import { usedParams } from "./usedParams.ts";

/** The row checks as they ran last, and what they found. */
export interface RowChecks {
  readonly validation: Validation;
  /** The values the checks' SQL binds (the read's and the checks' own). */
  readonly params: Record<string, string | number>;
  /** The select_one items that hold codes only, as read, on every row. */
  readonly clean: ReadonlySet<string>;
  /** How many rows fail a check (in CHECKED). */
  readonly rejected: number;
}

/**
 * Check every row, in the upload's transaction, into CHECKED (buildValidation: one SQL pass;
 * the ids in the wave are read as this transaction sees them). One pass flags the failing
 * rows in a projection (a filter would be pushed down and repeat the label mapping inside
 * every check), and only they get error structs and a copy of their cells. The checks take
 * the guessed columns to hold codes only and flag a row where one does not (NOT_CLEAN); the
 * pass then runs again with those columns checked in full (once at most: every other guess
 * held on every row). A personal column that mixes marked hashes and clear values is refused
 * (see refuseMixedHashes).
 */
export async function checkRows(
  tx: Session,
  plan: UploadPlan,
  guessed: ReadonlySet<string>,
): Promise<RowChecks> {
  const { study, codebook, mapping, read } = plan;
  const ids = { rawTable: rawTableName(study.id), waveId: plan.waveId, excludeUpload: plan.replace };
  const build = (clean: ReadonlySet<string>) =>
    buildValidation(
      study,
      codebook,
      mapping,
      { source: read.source, columns: read.columns, clean, excelErrors: read.excelErrors },
      ids,
      { rules: plan.rules, hmac: plan.hmac },
    );
  let clean = guessed;
  let validation = build(clean);
  let params = { ...read.params, ...validation.params };
  const run = async () => {
    const select = `select source_row, ${quoteIdent(study.respondent_id)} as rid, ${validation.cells} as cells,
        ${validation.errors} as errors
      from (select * from (select *, ${validation.isBad} as is_bad from (${validation.mapped()})) where is_bad)`;
    await tx.run(`create or replace temp table ${CHECKED} as ${select}`, usedParams(params, select));
  };
  for (;;) {
    await run();
    if (clean.size === 0) break;
    const wrong = await tx.query<{ item: string }>(
      `select distinct e.c as item from (select unnest(errors) as e from ${CHECKED}) where e.k = $k`,
      { k: NOT_CLEAN },
    );
    if (wrong.length === 0) break;
    const notClean = new Set(wrong.map((w) => w.item));
    clean = new Set([...clean].filter((item) => !notClean.has(item)));
    validation = build(clean);
    params = { ...read.params, ...validation.params };
  }
  await refuseMixedHashes(tx, plan);
  const [{ rejected }] = (await tx.query<{ rejected: number }>(
    `select count(*)::bigint as rejected from ${CHECKED}`,
  )) as [{ rejected: number }];
  return { validation, params, clean, rejected };
}

/**
 * A personal column pseudonymised by the study holds marked hashes (`hmac:…`, from a
 * rejected-rows download) in some rows: refused when it also holds clear values in others
 * (the two would hash apart, and the respondents could no longer be linked); otherwise the
 * marked rows are no failures, and their marks are taken off the checks' entries.
 */
async function refuseMixedHashes(tx: Session, plan: UploadPlan): Promise<void> {
  const { read, hmac } = plan;
  const marked = await tx.query<{ item: string; rows: number[] }>(
    `select e.c as item, list(source_row order by source_row)[1:5] as rows
     from (select source_row, unnest(errors) as e from ${CHECKED}) where e.k = $k group by 1 order by 1`,
    { k: HMAC_MARKED_CELL },
  );
  if (marked.length === 0) return;
  const params = usedParams({ ...read.params, ...hmac.params }, read.source);
  for (const m of marked) {
    const column = plan.mapping.mapped.find((x) => x.item === m.item)!;
    const v = `nullif(trim(${quoteIdent(column.column)}), '')`;
    const sql = `select source_row from ${read.source} where ${v} is not null and not ${hmac.marked(v)}
      order by source_row limit 5`;
    const clear = await tx.query<{ source_row: number }>(sql, usedParams(params, sql));
    if (clear.length > 0)
      throw new IngestRefusal("refuse.mixed_hmac", {
        file: plan.file,
        column: showValue(column.header),
        clear_rows: clear.map((r) => Number(r.source_row)).join(", "),
        hashed_rows: m.rows.map(Number).join(", "),
      });
  }
  await tx.run(`update ${CHECKED} set errors = list_filter(errors, e -> e.k <> $k)`, { k: HMAC_MARKED_CELL });
  await tx.run(`delete from ${CHECKED} where len(errors) = 0`);
}
