import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import type { Study } from "../study/index.ts";

/** The wide table that holds a study's responses as delivered (after column mapping). */
export function rawTableName(studyId: string): string {
  return `raw_responses__${studyId}`;
}

/** Columns every raw table has before the item columns. */
export const RAW_META_COLUMNS = ["upload_id", "wave_id", "source_row", "respondent_id"] as const;

/** Item columns of a study's raw table: every item of every codebook version, personal data dropped. */
export function rawItemColumns(study: Study): string[] {
  const dropped = new Set(study.personal_data.filter((p) => p.action === "drop").map((p) => p.column));
  const names = new Set<string>();
  for (const codebook of study.codebookByVersion.values()) {
    for (const item of codebook.items)
      if (!dropped.has(item.name) && item.name !== study.respondent_id) names.add(item.name);
  }
  return [...names];
}

/** How a raw column stores its answers: codes and numbers as numbers, the rest as text. */
export type RawColumnType = "SMALLINT" | "BIGINT" | "DOUBLE" | "VARCHAR";

/** A code that survives a round trip through SMALLINT unchanged (no sign, no leading zero). */
const SMALL_CODE = /^(0|-?[1-9][0-9]{0,3})$/;

/**
 * The type of each item column of a study's raw table. A select_one whose codes are all
 * plain small numbers (1, 2, 9) is stored as SMALLINT, an integer item as BIGINT, a decimal
 * item as DOUBLE (so SQL and `barometer estimate --table` compare it as a number): a file
 * lands several times faster than as text, and takes less room. Everything else is text, and
 * so is an item that different codebook versions type differently. Staging gives every item
 * back as text (see sourceSql in models/runModels.ts): models see what they always saw.
 * A raw table made before a column was typed keeps its text column (inserts cast to it).
 */
export function rawColumnTypes(study: Study): Map<string, RawColumnType> {
  const hmac = new Set(study.personal_data.filter((p) => p.action === "hmac").map((p) => p.column));
  const types = new Map<string, RawColumnType>();
  for (const codebook of study.codebookByVersion.values()) {
    for (const item of codebook.items) {
      let type: RawColumnType = "VARCHAR";
      if (hmac.has(item.name)) {
        // pseudonymised: the HMAC is text
      } else if (item.type === "integer") type = "BIGINT";
      else if (item.type === "decimal") type = "DOUBLE";
      else if (item.type === "select_one" && item.list) {
        const codes = (codebook.choices.get(item.list) ?? []).map((c) => c.name);
        if (codes.length > 0 && codes.every((c) => SMALL_CODE.test(c))) type = "SMALLINT";
      }
      const before = types.get(item.name);
      types.set(item.name, before === undefined || before === type ? type : "VARCHAR");
    }
  }
  return new Map(rawItemColumns(study).map((c) => [c, types.get(c) ?? "VARCHAR"]));
}

/**
 * Record the study and its waves in the database and create (or widen) its raw table.
 * Idempotent: run on every ingest and model run with the study as loaded from its folder.
 */
export async function registerStudy(db: Session, study: Study): Promise<void> {
  await db.run(
    `insert into studies (study_id, title_zh, title_en, definition_sha256, study_dir) values ($1, $2, $3, $4, $5)
     on conflict (study_id) do update set title_zh = excluded.title_zh, title_en = excluded.title_en,
       definition_sha256 = excluded.definition_sha256, study_dir = excluded.study_dir`,
    [study.id, study.title.zh, study.title.en, study.definitionSha256, study.dir],
  );
  for (const wave of study.waves) {
    await db.run(
      `insert into waves (study_id, wave_id, title_zh, title_en, codebook_version) values ($1, $2, $3, $4, $5)
       on conflict (study_id, wave_id) do update set title_zh = excluded.title_zh, title_en = excluded.title_en,
         codebook_version = excluded.codebook_version`,
      [study.id, wave.id, wave.title.zh, wave.title.en, wave.codebook],
    );
  }
  const table = quoteIdent(rawTableName(study.id));
  await db.run(
    `create table if not exists ${table} (
       upload_id varchar not null, wave_id varchar not null, source_row bigint not null, respondent_id varchar not null)`,
  );
  const existing = new Set(
    (
      await db.query<{ column_name: string }>(
        "select column_name from duckdb_columns() where table_name = $1 and schema_name = 'main'",
        [rawTableName(study.id)],
      )
    ).map((r) => r.column_name),
  );
  for (const [column, type] of rawColumnTypes(study)) {
    if (!existing.has(column)) await db.run(`alter table ${table} add column ${quoteIdent(column)} ${type}`);
  }
}
