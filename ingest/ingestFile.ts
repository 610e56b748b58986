import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Database, Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { type Lang, type MessageKey, message, messages } from "../messages/catalogue.ts";
import type { Study } from "../study/index.ts";
import { buildValidation, CHECKED } from "./buildValidation.ts";
import { detectEncoding, detectFormat, type FileFormat } from "./detectFile.ts";
import { hmacSql } from "./hmacSql.ts";
import { type ColumnMapping, mapColumns } from "./mapColumns.ts";
import { readIntoStaging } from "./readIntoStaging.ts";
import { RAW_META_COLUMNS, rawItemColumns, rawTableName, registerStudy } from "./registerStudy.ts";
import { transcodeToUtf8 } from "./transcodeToUtf8.ts";

export interface IngestOptions {
  study: Study;
  waveId: string;
  /** Path of the file on disk (a temporary path for uploads). */
  path: string;
  /** The name the user gave the file: shown and stored, never used as a path. */
  fileName?: string;
  encoding?: "utf-8" | "gb18030" | "gbk";
  sheet?: string;
  strict?: boolean;
  replace?: string;
  user: string;
  hmacKey: Buffer;
}

export interface ErrorSummary {
  reason: MessageKey;
  column: string;
  count: number;
  message: { zh: string; en: string };
  first: { row: number; value: string | null }[];
}

export interface IngestResult {
  upload_id: string | null;
  status: "loaded" | "duplicate" | "refused";
  rows: number;
  accepted: number;
  rejected: number;
  encoding: string | null;
  format: FileFormat | null;
  delimiter: string | null;
  file_name: string;
  mapping: ColumnMapping | null;
  errors: ErrorSummary[];
  /** Why the whole file was refused (both languages). */
  refusal: { code: MessageKey; zh: string; en: string } | null;
}

/** A whole-file refusal: nothing was written. */
export class IngestRefusal extends Error {
  readonly code: MessageKey;
  readonly texts: { zh: string; en: string };
  constructor(code: MessageKey, params: Record<string, string | number> = {}) {
    super(message(code, "en", params));
    this.code = code;
    this.texts = messages(code, params);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function newUploadId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `up_${stamp}_${randomBytes(3).toString("hex")}`;
}

/**
 * Load one file of responses for a study wave: detect, map, validate every row in one SQL
 * pass, quarantine bad rows with reasons, land the rest. The whole upload is one
 * transaction: it lands whole (good rows plus quarantine) or not at all.
 */
export async function ingestFile(db: Database, options: IngestOptions): Promise<IngestResult> {
  const { study, waveId } = options;
  const fileName = basename(options.fileName ?? options.path);
  const base: IngestResult = {
    upload_id: null,
    status: "refused",
    rows: 0,
    accepted: 0,
    rejected: 0,
    encoding: null,
    format: null,
    delimiter: null,
    file_name: fileName,
    mapping: null,
    errors: [],
    refusal: null,
  };
  const refuse = (e: IngestRefusal): IngestResult => ({ ...base, refusal: { code: e.code, ...e.texts } });

  if (!study.waves.some((w) => w.id === waveId))
    return refuse(new IngestRefusal("refuse.unknown_wave", { study: study.id, wave: waveId }));
  const size = statSync(options.path).size;
  if (size === 0) return refuse(new IngestRefusal("refuse.empty_file"));
  await registerStudy(db, study);

  const sha256 = await sha256File(options.path);
  const same = await db.query<{ upload_id: string }>(
    "select upload_id from uploads where study_id = $1 and wave_id = $2 and sha256 = $3 and status = 'loaded'",
    [study.id, waveId, sha256],
  );
  if (same[0]) return { ...base, upload_id: same[0].upload_id, status: "duplicate" };

  const format = await detectFormat(options.path);
  base.format = format;
  const work = mkdtempSync(join(tmpdir(), "barometer-ingest-"));
  try {
    let textPath = options.path;
    if (format === "csv") {
      const declared = options.encoding === "gbk" ? "gb18030" : options.encoding;
      const encoding = declared ?? (await detectEncoding(options.path)).encoding;
      base.encoding = encoding;
      if (encoding !== "utf-8") {
        textPath = join(work, "utf8.csv");
        await transcodeToUtf8(options.path, textPath, encoding);
      }
    }
    const uploadId = newUploadId();
    const result = await db.withSession(async (session) => {
      // Cells are staged in a temporary table before the transaction, so rowids are the
      // record order; everything that writes happens in the one transaction below.
      const staged = await readIntoStaging(session, format, textPath, {
        tmpCsv: join(work, "sheet.csv"),
        sheet: options.sheet,
      });
      base.delimiter = staged.delimiter;
      base.rows = staged.rows;
      if (staged.rows === 0) throw new IngestRefusal("refuse.no_rows");
      return session.transaction(async (tx) => {
        const codebook = study.codebookForWave(waveId);
        const mapping = mapColumns(staged.header, staged.columns, codebook);
        base.mapping = mapping;
        const present = new Set(mapping.mapped.map((m) => m.item));
        const needed = [
          study.respondent_id,
          study.frame.stratum,
          study.frame.psu,
          ...codebook.items.filter((i) => i.required).map((i) => i.name),
        ];
        const missing = [...new Set(needed)].filter((n) => !present.has(n));
        if (missing.length > 0)
          throw new IngestRefusal("refuse.missing_columns", { columns: missing.join(", ") });

        if (options.replace) await supersede(tx, study.id, waveId, options.replace);
        await stageFrame(tx, study);
        const validation = buildValidation(
          study,
          codebook,
          mapping,
          { table: staged.table, rowOffset: format === "parquet" ? 1 : 2 },
          {
            rawTable: rawTableName(study.id),
            waveId,
            excludeUpload: options.replace ?? null,
          },
        );
        await tx.run(validation.sql, validation.params);
        const [{ rejected }] = (await tx.query<{ rejected: number }>(
          `select count(*)::bigint as rejected from ${CHECKED} where len(errors) > 0`,
        )) as [{ rejected: number }];
        base.rejected = rejected;
        base.accepted = staged.rows - rejected;
        if (options.strict && rejected > 0) {
          base.errors = await summarizeErrors(tx, validation.reasons);
          throw new IngestRefusal("refuse.strict", { count: rejected });
        }
        await land(tx, study, waveId, uploadId, staged.table, format === "parquet" ? 1 : 2, options.hmacKey);
        await recordQuarantine(tx, uploadId, validation.reasons, staged.table, format === "parquet" ? 1 : 2);
        await tx.run(
          `insert into uploads (upload_id, study_id, wave_id, file_name, sha256, size_bytes, format, encoding, delimiter,
           n_rows_read, n_accepted, n_rejected, status, replaces_upload_id, uploaded_by, column_mapping, header)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'loaded', $13, $14, $15, $16)`,
          [
            uploadId,
            study.id,
            waveId,
            fileName,
            sha256,
            size,
            format,
            base.encoding,
            base.delimiter,
            staged.rows,
            base.accepted,
            rejected,
            options.replace ?? null,
            options.user,
            JSON.stringify(mapping),
            JSON.stringify(staged.header),
          ],
        );
        base.errors = await summarizeErrors(tx, validation.reasons);
        return { ...base, upload_id: uploadId, status: "loaded" as const };
      });
    });
    return result;
  } catch (error) {
    if (error instanceof IngestRefusal) return refuse(error);
    throw new Error(`${fileName}: ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function supersede(tx: Session, studyId: string, waveId: string, replaced: string): Promise<void> {
  const rows = await tx.query<{ status: string }>(
    "select status from uploads where upload_id = $1 and study_id = $2 and wave_id = $3",
    [replaced, studyId, waveId],
  );
  if (!rows[0]) throw new Error(`--replace ${replaced}: no such upload in study ${studyId}, wave ${waveId}`);
  if (rows[0].status !== "loaded")
    throw new Error(`--replace ${replaced}: that upload is ${rows[0].status}, not loaded`);
  await tx.run("update uploads set status = 'superseded' where upload_id = $1", [replaced]);
}

async function stageFrame(tx: Session, study: Study): Promise<void> {
  await tx.run("create or replace temp table _frame (stratum varchar, psu varchar)");
  const appender = await tx.connection.createAppender("_frame", "main", "temp");
  for (const u of study.units) {
    appender.appendVarchar(u.stratum);
    appender.appendVarchar(u.psu);
    appender.endRow();
  }
  appender.closeSync();
}

async function land(
  tx: Session,
  study: Study,
  waveId: string,
  uploadId: string,
  _staged: string,
  _offset: number,
  hmacKey: Buffer,
): Promise<void> {
  const q = quoteIdent;
  const hmacColumns = new Set(study.personal_data.filter((p) => p.action === "hmac").map((p) => p.column));
  const codebook = study.codebookForWave(waveId);
  const columns = rawItemColumns(study).filter((c) => codebook.item(c));
  const hmac = hmacSql(hmacKey);
  const select = columns.map((c) => (hmacColumns.has(c) ? hmac.expression(q(c)) : q(c)));
  await tx.run(
    `insert into ${q(rawTableName(study.id))} (${[...RAW_META_COLUMNS, ...columns].map(q).join(", ")})
     select $upload, $wave, source_row, ${q(study.respondent_id)}, ${select.join(", ")}
     from ${CHECKED} where len(errors) = 0`,
    { upload: uploadId, wave: waveId, ...hmac.params },
  );
}

async function recordQuarantine(
  tx: Session,
  uploadId: string,
  reasons: { key: string; column: string; zh: string; en: string }[],
  staged: string,
  offset: number,
): Promise<void> {
  await tx.run("create or replace temp table _reasons (k varchar, c varchar, zh varchar, en varchar)");
  for (const r of reasons)
    await tx.run("insert into _reasons values ($1, $2, $3, $4)", [r.key, r.column, r.zh, r.en]);
  await tx.run(
    `insert into quarantine (upload_id, source_row, column_name, value, reason_code, reason_zh, reason_en)
     select $u, source_row, e.c, e.v, e.k, r.zh, r.en
     from (select source_row, unnest(errors) as e from ${CHECKED} where len(errors) > 0) x
     join _reasons r on r.k = x.e.k and r.c = x.e.c
     order by source_row`,
    { u: uploadId },
  );
  await tx.run(
    `insert into quarantine_rows (upload_id, source_row, cells)
     select $u, s.rowid + ${offset}, to_json(list_value(*columns(s.*)))
     from ${quoteIdent(staged)} s
     where s.rowid + ${offset} in (select source_row from ${CHECKED} where len(errors) > 0)`,
    { u: uploadId },
  );
}

async function summarizeErrors(
  tx: Session,
  reasons: { key: MessageKey; column: string; zh: string; en: string }[],
): Promise<ErrorSummary[]> {
  const rows = await tx.query<{
    k: MessageKey;
    c: string;
    n: number;
    first: { row: number; value: string | null }[];
  }>(
    `select e.k as k, e.c as c, count(*)::bigint as n,
            list({'row': source_row, 'value': e.v} order by source_row)[1:5] as first
     from (select source_row, unnest(errors) as e from ${CHECKED} where len(errors) > 0)
     group by all order by n desc, k, c`,
  );
  return rows.map((r) => {
    const text = reasons.find((x) => x.key === r.k && x.column === r.c);
    return {
      reason: r.k,
      column: r.c,
      count: r.n,
      message: { zh: text?.zh ?? r.k, en: text?.en ?? r.k },
      first: r.first.map((f) => ({ row: Number(f.row), value: f.value })),
    };
  });
}

/** Human-readable report of an ingest result. */
export function formatIngestReport(result: IngestResult, lang: Lang = "en"): string {
  const lines: string[] = [];
  const t = (zh: string, en: string) => (lang === "zh" ? zh : en);
  if (result.status === "refused") {
    lines.push(`${t("拒绝导入", "Refused")}: ${result.file_name}: ${result.refusal?.[lang] ?? ""}`);
  } else if (result.status === "duplicate") {
    lines.push(
      `${t("重复文件，未再次导入", "Already loaded (same file), not loaded again")}: ${result.file_name} = ${result.upload_id}`,
    );
    return lines.join("\n");
  } else {
    lines.push(`${t("已导入", "Loaded")} ${result.file_name} as ${result.upload_id}`);
  }
  lines.push(
    `  ${t("格式", "format")} ${result.format ?? "?"}, ${t("编码", "encoding")} ${result.encoding ?? "-"}, ${t("分隔符", "delimiter")} ${JSON.stringify(result.delimiter)}`,
  );
  lines.push(
    `  ${t("读取", "rows read")} ${result.rows}, ${t("接受", "accepted")} ${result.accepted}, ${t("隔离", "quarantined")} ${result.rejected}`,
  );
  if (result.mapping?.ignored.length)
    lines.push(`  ${t("忽略的列", "ignored columns")}: ${result.mapping.ignored.join(", ")}`);
  for (const e of result.errors) {
    const examples = e.first
      .map((f) => `row ${f.row}${f.value === null ? "" : ` (${JSON.stringify(f.value)})`}`)
      .join(", ");
    lines.push(`  ${e.count} x ${e.column}: ${e.message[lang]} — ${examples}`);
  }
  return lines.join("\n");
}
