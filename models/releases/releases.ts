import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import { relationName } from "../runModels.ts";
import { methodologyVersion } from "./methodologyVersion.ts";

export interface ReleaseRecord {
  release_id: string;
  study_id: string;
  wave_id: string;
  created_at: string;
  created_by: string;
  file_name: string;
  sha256: string;
  n_rows: number;
  methodology_version: string;
  supersedes_release_id: string | null;
  /** The newer release of the same wave that replaces this one (null while it is the latest). */
  superseded_by: string | null;
}

export interface ReleaseFile {
  release_id: string;
  study_id: string;
  wave_id: string;
  created_at: string;
  methodology_version: string;
  supersedes_release_id: string | null;
  columns: string[];
  rows: unknown[][];
  /** Theme shares of the open answers (theme_scores), for studies that have them. */
  theme_columns?: string[];
  theme_rows?: unknown[][];
}

/** Release files live beside the database file they belong to, in `<database>.releases/`. */
export const releasesDir = (db: Database) => `${db.path}.releases`;

/** JSON with keys in a fixed order and rows sorted: the same figures give the same bytes. */
function canonical(file: ReleaseFile): string {
  return `${JSON.stringify({
    release_id: file.release_id,
    study_id: file.study_id,
    wave_id: file.wave_id,
    created_at: file.created_at,
    methodology_version: file.methodology_version,
    supersedes_release_id: file.supersedes_release_id,
    columns: file.columns,
    rows: file.rows,
    // only when the study has open answers, so other releases keep their bytes
    ...(file.theme_columns ? { theme_columns: file.theme_columns, theme_rows: file.theme_rows } : {}),
  })}\n`;
}

/** The columns of a release's rows, in order. */
export const RELEASE_COLUMNS = [
  "organization_id",
  "organization_name_zh",
  "organization_name_en",
  "index_id",
  "index_name_zh",
  "index_name_en",
  "aspect",
  "org_level",
  "unit_level",
  "unit_code",
  "unit_name_zh",
  "unit_name_en",
  "group_var",
  "group_value",
  // published_scores: direct | fay_herriot | synthetic, and whether this is the unit's primary
  // figure (a unit level publishing both has a second, non-primary row)
  "method",
  "is_primary",
  "estimate_0_100",
  "se_0_100",
  "ci_low_0_100",
  "ci_high_0_100",
  "n",
  "n_eff",
  "is_withheld",
  "withheld_reason",
  "is_unreliable",
  "tier",
  // rank_intervals: the rank among the ranked townships, its 95% marginal and simultaneous
  // confidence sets, and the probability of the tier (below 0.8: uncertain)
  "rank",
  "rank_low",
  "rank_high",
  "rank_low_simultaneous",
  "rank_high_simultaneous",
  "tier_probability",
  "is_tier_uncertain",
] as const;

/** The columns of a release's theme rows (theme_scores), in order. */
export const RELEASE_THEME_COLUMNS = [
  "item",
  "organization_id",
  "theme_id",
  "unit_level",
  "unit_code",
  "group_var",
  "group_value",
  "estimate_0_100",
  "se_0_100",
  "ci_low_0_100",
  "ci_high_0_100",
  "n",
  "n_eff",
  "is_withheld",
  "withheld_reason",
  "is_unreliable",
  "codebook_version",
] as const;

/**
 * Freeze a wave's reported figures (published_scores: every published figure, direct and
 * model-based, suppression applied, the primary one marked) as an immutable
 * release: a canonical JSON file beside the database and its sha256 in `releases`. Later
 * uploads, runs or model changes never alter it; a new release of the same wave supersedes
 * it explicitly and both stay readable.
 */
export async function createRelease(
  db: Database,
  study: Study,
  waveId: string,
  user: string,
): Promise<ReleaseRecord> {
  const scores = quoteIdent(relationName("published_scores", study.id));
  const units = quoteIdent(relationName("seed_units", study.id));
  const orgs = quoteIdent(relationName("seed_organizations", study.id));
  const ranks = quoteIdent(relationName("rank_intervals", study.id));
  const exists = await db.query("select 1 from duckdb_tables() where table_name = $1", [
    relationName("published_scores", study.id),
  ]);
  if (!exists.length)
    throw new Error(`study ${study.id} has no marts yet: run \`barometer run --study ${study.id}\` first`);
  // the indicators' names as the study declares them (marts built before seed_indicators: the id)
  const named = await db.query("select 1 from duckdb_tables() where table_name = $1", [
    relationName("seed_indicators", study.id),
  ]);
  const indicators = named.length
    ? quoteIdent(relationName("seed_indicators", study.id))
    : "(select ''::varchar as index_id, ''::varchar as name_zh, ''::varchar as name_en where false)";
  const rows = await db.query<Record<string, unknown>>(
    `select s.organization_id, o.name_zh as organization_name_zh, o.name_en as organization_name_en,
            s.index_id, coalesce(i.name_zh, s.index_id) as index_name_zh, coalesce(i.name_en, s.index_id) as index_name_en,
            s.aspect, s.org_level, s.unit_level, s.unit_code,
            coalesce(u.name_zh, '全区') as unit_name_zh, coalesce(u.name_en, 'District') as unit_name_en,
            s.group_var, s.group_value, s.method, s.is_primary, s.estimate_0_100, s.se_0_100, s.ci_low_0_100, s.ci_high_0_100,
            s.n, s.n_eff, s.is_withheld, s.withheld_reason, s.is_unreliable, s.tier,
            r.rank, r.rank_low, r.rank_high, r.rank_low_simultaneous, r.rank_high_simultaneous,
            r.tier_probability, r.is_tier_uncertain
     from ${scores} s
     join ${orgs} o using (organization_id)
     left join ${indicators} i on i.index_id = s.index_id
     left join ${units} u on u.unit_level = s.unit_level and u.unit_code = s.unit_code
     left join ${ranks} r
       on s.tier is not null and r.wave_id = s.wave_id and r.organization_id = s.organization_id
       and r.index_id = s.index_id and r.aspect = s.aspect and r.org_level = s.org_level and r.unit_code = s.unit_code
     where s.wave_id = $1
     order by s.organization_id, s.index_id, s.aspect, s.org_level, s.unit_level, s.unit_code, s.group_var, s.group_value,
              s.method`,
    [waveId],
  );
  if (rows.length === 0) throw new Error(`study ${study.id} has no figures for wave ${waveId}`);
  const previous = await db.query<{ release_id: string }>(
    "select release_id from releases where study_id = $1 and wave_id = $2 order by created_at desc limit 1",
    [study.id, waveId],
  );
  const [{ n }] = (await db.query<{ n: number }>(
    "select count(*)::int as n from releases where study_id = $1 and wave_id = $2",
    [study.id, waveId],
  )) as [{ n: number }];
  const releaseId = `${study.id}-${waveId}-r${n + 1}`;
  const file: ReleaseFile = {
    release_id: releaseId,
    study_id: study.id,
    wave_id: waveId,
    created_at: new Date().toISOString(),
    methodology_version: methodologyVersion(study),
    supersedes_release_id: previous[0]?.release_id ?? null,
    columns: [...RELEASE_COLUMNS],
    rows: rows.map((r) => RELEASE_COLUMNS.map((c) => r[c] ?? null)),
  };
  const themes = relationName("theme_scores", study.id);
  if (
    study.open_answers &&
    (await db.query("select 1 from duckdb_tables() where table_name = $1", [themes])).length
  ) {
    const themeRows = await db.query<Record<string, unknown>>(
      `select * from ${quoteIdent(themes)} where wave_id = $1
       order by item, theme_id, unit_level, unit_code, group_var, group_value`,
      [waveId],
    );
    file.theme_columns = [...RELEASE_THEME_COLUMNS];
    file.theme_rows = themeRows.map((r) => RELEASE_THEME_COLUMNS.map((c) => r[c] ?? null));
  }
  return freezeRelease(db, file, user);
}

/**
 * Write a release file (canonical JSON, read-only) beside the database and record its sha256
 * in `releases`: the one way a release is frozen, for the survey's scores and the
 * demonstration sites' alike. A file no release row names (a crash between writing and
 * recording) is replaced; a recorded one is never overwritten.
 */
export async function freezeRelease(db: Database, file: ReleaseFile, user: string): Promise<ReleaseRecord> {
  const releaseId = file.release_id;
  const rows = file.rows;
  const text = canonical(file);
  const sha256 = createHash("sha256").update(text).digest("hex");
  const fileName = `${releaseId}.json`;
  const dir = releasesDir(db);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  if (existsSync(path)) {
    // a file no release row names is what a crash between writing the file and recording it
    // leaves behind: it was never a release, so it may go
    const recorded = await db.query("select 1 from releases where file_name = $1", [fileName]);
    if (recorded.length)
      throw new Error(`release file ${path} already exists; refusing to overwrite a release`);
    rmSync(path, { force: true });
  }
  // a .tmp a failed write left (read-only, so writing over it fails when not root) goes first
  rmSync(`${path}.tmp`, { force: true });
  writeFileSync(`${path}.tmp`, text, { mode: 0o444 });
  renameSync(`${path}.tmp`, path);
  await db.run(
    `insert into releases (release_id, study_id, wave_id, created_at, created_by, file_name, sha256, n_rows, methodology_version, supersedes_release_id)
     values ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10)`,
    [
      releaseId,
      file.study_id,
      file.wave_id,
      file.created_at,
      user,
      fileName,
      sha256,
      rows.length,
      file.methodology_version,
      file.supersedes_release_id,
    ],
  );
  return (await getReleaseRecord(db, releaseId))!;
}

const RECORD_COLUMNS = `r.release_id, r.study_id, r.wave_id, strftime(r.created_at, '%Y-%m-%dT%H:%M:%S.%gZ') as created_at,
  r.created_by, r.file_name, r.sha256, r.n_rows, r.methodology_version, r.supersedes_release_id,
  (select n.release_id from releases n where n.supersedes_release_id = r.release_id
   order by n.created_at desc limit 1) as superseded_by`;

export async function getReleaseRecord(db: Database, releaseId: string): Promise<ReleaseRecord | undefined> {
  const rows = await db.query<ReleaseRecord>(
    `select ${RECORD_COLUMNS} from releases r where r.release_id = $1`,
    [releaseId],
  );
  return rows[0];
}

export async function listReleases(db: Database, studyId?: string): Promise<ReleaseRecord[]> {
  return db.query<ReleaseRecord>(
    `select ${RECORD_COLUMNS} from releases r where $1::varchar is null or r.study_id = $1 order by r.created_at`,
    [studyId ?? null],
  );
}

/** Read a release, checking its file against the recorded sha256: a changed file is an error. */
export async function readRelease(
  db: Database,
  releaseId: string,
): Promise<{ record: ReleaseRecord; file: ReleaseFile; text: string }> {
  const record = await getReleaseRecord(db, releaseId);
  if (!record) throw new Error(`no release ${releaseId}`);
  const path = join(releasesDir(db), record.file_name);
  if (!existsSync(path)) throw new Error(`release ${releaseId}: its file ${path} is missing`);
  const text = readFileSync(path, "utf8");
  const actual = createHash("sha256").update(text).digest("hex");
  if (actual !== record.sha256) {
    throw new Error(
      `release ${releaseId}: the file ${record.file_name} does not match its recorded checksum (expected ${record.sha256}, found ${actual}); it has been altered`,
    );
  }
  return { record, file: JSON.parse(text) as ReleaseFile, text };
}
