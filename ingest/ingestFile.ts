import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Database, Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { type Lang, type MessageKey, message } from "../messages/catalogue.ts";
import type { Codebook, Study } from "../study/index.ts";
import { buildValidation, CHECKED, HMAC_MARKED_CELL, NOT_CLEAN, type Validation } from "./buildValidation.ts";
import { codeProbes } from "./codeProbes.ts";
import { csvRefusal } from "./csvRefusal.ts";
import { detectFormat, type FileFormat } from "./detectFile.ts";
import { rejectsNote } from "./exportRejects.ts";
import { formVersionWarnings, type IngestWarning } from "./formVersionWarnings.ts";
import { hmacSql } from "./hmacSql.ts";
import { IngestRefusal, showValue } from "./IngestRefusal.ts";
import { CODES, SHORT_LIST } from "./isCodeSql.ts";
import { type ColumnMapping, mapColumns, normalizeLabel } from "./mapColumns.ts";
import { personalRules } from "./personalRules.ts";
import { type PreparedRead, prepareCsv, prepareRead } from "./prepareRead.ts";
import { prescanText } from "./prescanText.ts";
import { purgeExpiredRejects, REFUSED_REJECTS_DAYS } from "./purgeExpiredRejects.ts";
import { RAW_META_COLUMNS, rawColumnTypes, rawTableName, registerStudy } from "./registerStudy.ts";
import { rejectSentence } from "./rejectSentence.ts";

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
  /**
   * How many ids one part of the search for repeated ids holds (default two million: memory
   * stays bounded whatever the size of the file). Tests set it small.
   */
  idPartRows?: number;
  /**
   * Where the work copies go (default: the system's temp folder); the server and CLI give
   * `<database>.tmp`, cleaned at the next start if a kill leaves them behind.
   */
  tempDir?: string;
  /** Called as the work advances (the CLI draws a progress bar from it). */
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress {
  phase: "scan" | "transcode" | "read" | "validate" | "land";
  /** Bytes (scan, transcode) or steps done so far, out of `total`. */
  done: number;
  total: number;
}

export interface ErrorSummary {
  reason: MessageKey;
  column: string;
  count: number;
  message: { zh: string; en: string };
  /** The first rows, each with its sentence: "第 11 行 village = T01V999：抽样框中没有此村（社区）". */
  first: { row: number; value: string | null; zh: string; en: string }[];
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
  /**
   * The file's personal columns (header, and what the ingest does with them): a dropped one
   * comes back empty in the rejected rows, an HMACed one as its hash, marked `hmac:…`.
   */
  personal: { column: string; action: "drop" | "hmac" }[];
  /** Why the rejected rows' personal cells are empty or hashed (null without rejected rows or personal columns). */
  rejects_note: { zh: string; en: string } | null;
  /** What the upload says without refusing it: a form version other than the codebook's. */
  warnings: IngestWarning[];
}

/**
 * The file name as the user gave it, for showing and storing only: the last path segment
 * (either slash), control characters removed, at most 200 characters. Never used as a path.
 */
export function displayName(name: string): string {
  const last =
    name
      .split(/[\\/]/)
      .filter((p) => p !== "" && p !== "." && p !== "..")
      .pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 200);
  return clean || "upload";
}

/**
 * DuckDB's memory limit while ingesting, unless BAROMETER_MEMORY_LIMIT says otherwise. The
 * id counts and the insert's buffers fill it (the rest spills to disk), and the process
 * needs some 300-500 MB beside it (Node, DuckDB's per-thread state).
 */
export const INGEST_MEMORY_LIMIT = "384MB";

/**
 * Keep memory bounded whatever the file size: the file is streamed, and what DuckDB keeps
 * (the id counts, the insert's buffers) spills to disk past its memory
 * limit. The limit is per DuckDB instance, so this lowers the instance's limit when it is
 * higher (DuckDB's default is 80% of RAM) for the time of the ingest, and gives the previous
 * one back after.
 */
async function capMemory(db: Database): Promise<() => Promise<void>> {
  const wanted = process.env.BAROMETER_MEMORY_LIMIT ?? INGEST_MEMORY_LIMIT;
  const wantedBytes = sizeInBytes(wanted);
  if (wantedBytes === null) throw new Error(`BAROMETER_MEMORY_LIMIT: not a size: ${JSON.stringify(wanted)}`);
  const [row] = await db.query<{ limit: string }>("select current_setting('memory_limit') as limit");
  const current = sizeInBytes(row?.limit ?? "");
  if (current !== null && current <= wantedBytes) return async () => {};
  await db.run(`set memory_limit = '${wantedBytes}B'`);
  // the limit is the instance's: give the previous one back, so model runs and queries after
  // the ingest are not held to it
  return async () => {
    if (current !== null) await db.run(`set memory_limit = '${current}B'`);
  };
}

/** "512MB", "488.2 MiB", "18.8 GiB" -> bytes; null when it is not a size. */
function sizeInBytes(text: string): number | null {
  const m = /^\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*$/i.exec(text);
  if (!m) return null;
  const power = " KMGT".indexOf(m[2]!.toUpperCase() || " ");
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

/**
 * A header that names a codebook item twice is refused: which column holds the answer is
 * the team's call. Duplicated platform columns (not in the codebook) are only ignored.
 */
function refuseDuplicateHeaders(header: string[], codebook: Codebook, file: string): void {
  const names = new Set(
    codebook.items.flatMap((i) => [
      i.name.toLowerCase(),
      normalizeLabel(i.label.zh),
      normalizeLabel(i.label.en),
    ]),
  );
  const positions = new Map<string, number[]>();
  header.forEach((h, i) => {
    positions.set(h, [...(positions.get(h) ?? []), i + 1]);
  });
  for (const [h, at] of positions) {
    if (at.length > 1 && (names.has(h.trim().toLowerCase()) || names.has(normalizeLabel(h))))
      throw new IngestRefusal("refuse.duplicate_header", {
        file,
        column: showValue(h),
        positions: at.join(", "),
      });
  }
}

async function sha256File(path: string, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return hash.digest("hex");
}

function newUploadId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `up_${stamp}_${randomBytes(3).toString("hex")}`;
}

/**
 * Load one file of responses for a study wave: one streaming read for the hash, the
 * encoding and the checks that refuse a file outright, and at the same time one that copies
 * it with each record's number in front (see prepareRead); then DuckDB reads that copy
 * natively, in parallel, once for the checks (one SQL pass) and once to land the rows that
 * pass; failing rows go to the quarantine with their reasons and original cells. Ids that
 * come twice are found among the rows landed and quarantined; when there are any, the upload
 * starts over with them known (the commonest file has none, and pays nothing for them). Keeping the cells in a table in file order instead costs more than all the
 * reads, and every pass over the file costs about as much as the checks.
 * The whole upload is one transaction: it lands whole (good rows plus quarantine) or not at
 * all, also under kill -9. Refusals name the file (and line, column, value where known).
 */
export async function ingestFile(db: Database, options: IngestOptions): Promise<IngestResult> {
  const { study, waveId } = options;
  const fileName = displayName(options.fileName ?? basename(options.path));
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
    personal: [],
    rejects_note: null,
    warnings: [],
  };
  const refuse = (e: IngestRefusal): IngestResult => ({ ...base, refusal: { code: e.code, ...e.texts } });

  const report = options.onProgress ?? (() => undefined);
  if (!study.waves.some((w) => w.id === waveId))
    return refuse(
      new IngestRefusal("refuse.unknown_wave", { file: fileName, study: study.id, wave: waveId }),
    );
  const size = statSync(options.path).size;
  if (size === 0) return refuse(new IngestRefusal("refuse.empty_file", { file: fileName }));
  await registerStudy(db, study);
  await purgeExpiredRejects(db);
  const restoreMemory = await capMemory(db);

  const work = mkdtempSync(join(options.tempDir ?? tmpdir(), "barometer-ingest-"));
  let early: Promise<PreparedRead> | null = null;
  // where the file's first personal column is, once known: lines in messages stop before it
  let personalFrom: { delimiter: string; from: number } | undefined;
  const stopEarly = new AbortController();
  try {
    const detected = await detectFormat(options.path);
    if (detected === "sav") throw new IngestRefusal("refuse.spss", { file: fileName });
    const format = detected;
    base.format = format;
    // Text files are read once for the hash, the encoding and the checks that refuse a file
    // before DuckDB sees it; binary formats only need the hash.
    let done = 0;
    const onBytes = (n: number) => {
      done += n;
      report({ phase: "scan", done, total: size });
    };
    let sha256: string;
    if (format === "csv") {
      const declared = options.encoding === "gbk" ? "gb18030" : options.encoding;
      // The copy with the record numbers, in UTF-8, is made while the file is scanned: in
      // the encoding declared, else as UTF-8 (most files). It is thrown away when the scan
      // finds the file is not UTF-8 after all, or refuses it.
      early = prepareCsv(options.path, fileName, join(work, "numbered.csv"), {
        encoding: declared ?? "utf-8",
        signal: stopEarly.signal,
      });
      early.catch(() => undefined);
      const scan = await prescanText(options.path, {
        file: fileName,
        declared,
        onBytes,
        onNotUtf8: () => stopEarly.abort(),
      }).catch((error: unknown) => {
        stopEarly.abort();
        throw error;
      });
      sha256 = scan.sha256;
      base.encoding = scan.encoding;
      if (scan.encoding !== (declared ?? "utf-8")) early = await settled(early);
    } else {
      sha256 = await sha256File(options.path, onBytes);
    }
    const same = await db.query<{ upload_id: string }>(
      "select upload_id from uploads where study_id = $1 and wave_id = $2 and sha256 = $3 and status = 'loaded'",
      [study.id, waveId, sha256],
    );
    if (same[0]) {
      stopEarly.abort();
      return { ...base, upload_id: same[0].upload_id, status: "duplicate" };
    }

    if (format === "csv" && !early) {
      // found to be GB18030: transcoded on the way into the copy
      done = 0;
      early = prepareCsv(options.path, fileName, join(work, "numbered-utf8.csv"), {
        encoding: "gb18030",
        onBytes: (n) => {
          done += n;
          report({ phase: "transcode", done, total: size });
        },
      });
      await early.then((read) => read.numbered);
    }
    const uploadId = newUploadId();
    const result = await db.withSession(async (session) => {
      report({ phase: "read", done: 0, total: 1 });
      const staged = await (early ??
        prepareRead(session, format, options.path, {
          file: fileName,
          tmpCsv: join(work, "sheet.csv"),
          numberedCsv: join(work, "numbered.csv"),
          sheet: options.sheet,
        }));
      try {
        base.delimiter = staged.delimiter;
        const codebook = study.codebookForWave(waveId);
        refuseDuplicateHeaders(staged.header, codebook, fileName);
        const mapping = mapColumns(staged.header, staged.columns, codebook);
        base.mapping = mapping;
        const rules = personalRules(study);
        const hmac = hmacSql(options.hmacKey);
        base.personal = mapping.mapped.flatMap((m) => {
          const action = rules.get(m.item);
          return action ? [{ column: m.header, action }] : [];
        });
        const personalAt = mapping.mapped
          .filter((m) => rules.has(m.item))
          .map((m) => staged.columns.indexOf(m.column))
          .filter((i) => i >= 0);
        if (personalAt.length > 0 && staged.delimiter !== null)
          personalFrom = { delimiter: staged.delimiter, from: Math.min(...personalAt) };
        const present = new Set(mapping.mapped.map((m) => m.item));
        const needed = [
          study.respondent_id,
          study.frame.stratum,
          study.frame.psu,
          ...codebook.items.filter((i) => i.required).map((i) => i.name),
        ];
        const missing = [...new Set(needed)].filter((n) => !present.has(n));
        if (missing.length > 0)
          throw new IngestRefusal("refuse.missing_columns", { file: fileName, columns: missing.join(", ") });
        // Every pass reads the file natively, in parallel; nothing depends on the order rows
        // come in (source_row says where each came from; reports sort by it), so this
        // session's inserts run on every core too. The setting is this connection's own.
        await session.run("set preserve_insertion_order = false");
        await stageCodes(session, codebook);
        // Which select_one columns hold codes only, as read, in the first rows: a guess the
        // checks confirm on every row (see GUESS_ROWS). It reads the file itself where it is
        // UTF-8 (the copy with the record numbers may still be being written), else the copy.
        if (staged.plainNumbered !== null) await staged.numbered;
        const { probes, params: probeParams } = codeProbes(codebook, mapping);
        const sampleSql = `select ${probes.map((p, i) => `${p.sql} as p${i}`).join(", ")}
          from (select * from ${staged.plainSource} limit ${GUESS_ROWS})`;
        const [found] = probes.length
          ? await session
              .query<Record<string, boolean>>(
                sampleSql,
                only({ ...staged.params, ...probeParams }, sampleSql),
              )
              .catch((error: unknown) => {
                throw csvRefusal(error, fileName, staged.plainNumbered, personalFrom) ?? error;
              })
          : [];
        const guessed = new Set(probes.filter((_, i) => found?.[`p${i}`] === false).map((p) => p.item));
        await staged.numbered;
        base.warnings = await formVersionWarnings(session, staged, codebook, fileName);
        const source = staged.source;
        // the ids that come more than once in the file: found after the rows land (see newRepeatedIds)
        await tempTextTable(session, "_dup_ids", ["id"], []);
        await stageFrame(session, study);
        // once more at most: when ids repeat that the checks did not know of (RepeatedIds); the
        // progress stays where it is then, rather than go back
        let startedOver = false;
        for (;;) {
          try {
            return await session.transaction((tx) => checkAndLand(tx));
          } catch (error) {
            if (!(error instanceof RepeatedIds)) throw error;
            await tempTextTable(
              session,
              "_dup_ids",
              ["id"],
              error.ids.map((id) => [id]),
            );
            startedOver = true;
          }
        }
        async function checkAndLand(tx: Session): Promise<IngestResult> {
          if (!startedOver) report({ phase: "validate", done: 0, total: 1 });

          if (options.replace) await supersede(tx, study.id, waveId, options.replace);
          const ids = { rawTable: rawTableName(study.id), waveId, excludeUpload: options.replace ?? null };
          const checks = await checkEveryRow(tx, {
            build: (clean) =>
              buildValidation(
                study,
                codebook,
                mapping,
                { source, columns: staged.columns, clean, excelErrors: staged.excelErrors },
                ids,
                { rules, hmac },
              ),
            guessed,
            sourceParams: staged.params,
            respondentId: study.respondent_id,
          });
          const { validation, clean } = checks;
          await refuseMixedHashes(tx, {
            file: fileName,
            mapping,
            hmac,
            source: staged.source,
            params: only({ ...staged.params, ...hmac.params }, staged.source),
          });
          const [{ rejected }] = (await tx.query<{ rejected: number }>(
            `select count(*)::bigint as rejected from ${CHECKED}`,
          )) as [{ rejected: number }];
          if (options.strict && rejected > 0) {
            // the report still says how many rows the file has
            const [read] = await tx.query<{ n: number }>(
              `select count(*)::bigint as n from ${staged.plainSource}`,
              only(staged.params, staged.plainSource),
            );
            base.rows = read?.n ?? 0;
            base.rejected = rejected;
            base.accepted = base.rows - rejected;
            return keepRefused(
              tx,
              validation,
              new IngestRefusal("refuse.strict", { file: fileName, count: rejected }),
            );
          }
          if (!startedOver) report({ phase: "land", done: 0, total: 1 });
          // columns that hold codes only are read as numbers where they land as numbers: the
          // reader parses them faster than a cast of the text
          const rawTypes = rawColumnTypes(study);
          const typed = new Map(
            mapping.mapped
              .filter((m) => clean.has(m.item) && rawTypes.get(m.item) === "SMALLINT")
              .map((m) => [m.column, "SMALLINT"]),
          );
          const good = validation.mapped(
            `source_row not in (select source_row from ${CHECKED})`,
            staged.typedSource(typed),
          );
          await land(tx, study, waveId, uploadId, options.hmacKey, good, only(checks.params, good));
          // Ids that repeat in the file, unknown to the checks: the upload starts again with them
          // known (the rows that share one must not land; deleting rows landed in this
          // transaction would make the commit rewrite all of them).
          const raw = quoteIdent(rawTableName(study.id));
          const repeated = await newRepeatedIds(tx, raw, uploadId, options.idPartRows ?? ID_PART_ROWS);
          if (repeated.length > 0) throw new RepeatedIds(repeated);
          const [{ accepted }] = (await tx.query<{ accepted: number }>(
            `select count(*)::bigint as accepted from ${raw} where upload_id = $u`,
            { u: uploadId },
          )) as [{ accepted: number }];
          base.rows = accepted + rejected;
          base.accepted = accepted;
          base.rejected = rejected;
          if (base.rows === 0) throw new IngestRefusal("refuse.no_rows", { file: fileName });
          if (accepted === 0)
            return keepRefused(
              tx,
              validation,
              new IngestRefusal("refuse.all_rejected", { file: fileName, count: rejected }),
            );
          await recordQuarantine(tx, uploadId, validation.reasons);
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
              base.rows,
              base.accepted,
              rejected,
              options.replace ?? null,
              options.user,
              JSON.stringify(mapping),
              JSON.stringify(staged.header),
            ],
          );
          base.errors = await summarizeErrors(tx, validation.reasons);
          if (rejected > 0) base.rejects_note = rejectsNote(base.personal);
          return { ...base, upload_id: uploadId, status: "loaded" as const };
        }
        /**
         * A file refused as a whole for its rows (strict mode, or every row rejected): nothing
         * lands, and its rejected rows (masked like every quarantined row) are kept for
         * REFUSED_REJECTS_DAYS under the upload id, to download and fix.
         */
        async function keepRefused(
          tx: Session,
          validation: Validation,
          why: IngestRefusal,
        ): Promise<IngestResult> {
          if (options.replace)
            await tx.run("update uploads set status = 'loaded' where upload_id = $1", [options.replace]);
          await recordQuarantine(tx, uploadId, validation.reasons);
          await tx.run(
            `insert into refused_uploads (upload_id, study_id, wave_id, file_name, header, reason_code,
               n_rows_read, n_rejected, refused_by, encoding, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + to_days(${REFUSED_REJECTS_DAYS}))`,
            [
              uploadId,
              study.id,
              waveId,
              fileName,
              JSON.stringify(staged.header),
              why.code,
              base.rows,
              base.rejected,
              options.user,
              base.encoding,
            ],
          );
          base.errors = await summarizeErrors(tx, validation.reasons);
          base.rejects_note = rejectsNote(base.personal);
          return {
            ...base,
            upload_id: uploadId,
            status: "refused",
            refusal: { code: why.code, ...why.texts },
          };
        }
      } finally {
        await staged.numbered.catch(() => undefined);
      }
    });
    return result;
  } catch (error) {
    if (error instanceof IngestRefusal) return refuse(error);
    const csv = csvRefusal(error, fileName, base.delimiter, personalFrom);
    if (csv) return refuse(csv);
    throw new Error(`${fileName}: ${(error as Error).message}`, { cause: error });
  } finally {
    await settled(early);
    rmSync(work, { recursive: true, force: true });
    await restoreMemory();
  }
}

interface RowChecks {
  /** The checks as they ran last, and the columns they took to hold codes only. */
  validation: Validation;
  params: Record<string, string | number>;
  clean: ReadonlySet<string>;
}

/**
 * Run the checks on every row, into CHECKED: one pass flags the failing rows in a projection
 * (a filter would be pushed down and repeat the label mapping inside every check), and only
 * they get error structs and a copy of their cells. The checks take the guessed columns to
 * hold codes only and flag a row where one does not (NOT_CLEAN); the pass then runs again
 * with those columns checked in full (once at most: every other guess held on every row).
 */
async function checkEveryRow(
  tx: Session,
  job: {
    build: (clean: ReadonlySet<string>) => Validation;
    guessed: ReadonlySet<string>;
    sourceParams: Record<string, string>;
    respondentId: string;
  },
): Promise<RowChecks> {
  let clean = job.guessed;
  let validation = job.build(clean);
  let params = { ...job.sourceParams, ...validation.params };
  const run = async (where?: string) => {
    const select = `select source_row, ${quoteIdent(job.respondentId)} as rid, ${validation.cells} as cells,
        ${validation.errors} as errors
      from (select * from (select *, ${validation.isBad} as is_bad from (${validation.mapped(where)})) where is_bad)`;
    await tx.run(
      where ? `insert into ${CHECKED} ${select}` : `create or replace temp table ${CHECKED} as ${select}`,
      only(params, select),
    );
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
    validation = job.build(clean);
    params = { ...job.sourceParams, ...validation.params };
  }
  return { validation, params, clean };
}

/**
 * The ids that come more than once in the file and that the checks did not know of: found
 * among the ids landed and quarantined (counting them before the checks would take a pass
 * over the file of its own). Grouped by a hash of the id first, a smaller table than the
 * ids, then by the ids whose hash repeats, to be exact; in parts of at most `partRows` ids,
 * by hash, so memory stays the same whatever the size of the file.
 */
async function newRepeatedIds(
  tx: Session,
  raw: string,
  uploadId: string,
  partRows: number,
): Promise<string[]> {
  const [{ rows }] = (await tx.query<{ rows: number }>(
    `select (select count(*) from ${raw} where upload_id = $u) + (select count(*) from ${CHECKED}) as rows`,
    { u: uploadId },
  )) as [{ rows: number }];
  const parts = Math.max(1, Math.ceil(Number(rows) / partRows));
  const found: string[] = [];
  for (let part = 0; part < parts; part++) {
    const ids = await tx.query<{ id: string }>(
      `with ids as (select id, hash(id) as h from (
                      select respondent_id as id from ${raw} where upload_id = $u
                      union all select rid from ${CHECKED} where rid is not null)
                    where hash(id) % ${parts} = ${part}),
       repeated as (select h from ids group by h having count(*) > 1)
       select id from ids where h in (select h from repeated) and id not in (select id from _dup_ids)
       group by id having count(*) > 1`,
      // the part as SQL numbers: as bound values, DuckDB takes twenty times as long
      { u: uploadId },
    );
    for (const { id } of ids) found.push(id);
  }
  return found;
}

/**
 * A personal column pseudonymised by the study holds marked hashes (`hmac:…`, from a
 * rejected-rows download) in some rows: refused when it also holds clear values in others
 * (the two would hash apart, and the respondents could no longer be linked); otherwise the
 * marked rows are no failures, and their marks are taken off the checks' entries.
 */
async function refuseMixedHashes(
  tx: Session,
  job: {
    file: string;
    mapping: ColumnMapping;
    hmac: ReturnType<typeof hmacSql>;
    source: string;
    params: Record<string, string | number>;
  },
): Promise<void> {
  const marked = await tx.query<{ item: string; rows: number[] }>(
    `select e.c as item, list(source_row order by source_row)[1:5] as rows
     from (select source_row, unnest(errors) as e from ${CHECKED}) where e.k = $k group by 1 order by 1`,
    { k: HMAC_MARKED_CELL },
  );
  if (marked.length === 0) return;
  for (const m of marked) {
    const column = job.mapping.mapped.find((x) => x.item === m.item)!;
    const v = `nullif(trim(${quoteIdent(column.column)}), '')`;
    const sql = `select source_row from ${job.source} where ${v} is not null and not ${job.hmac.marked(v)}
      order by source_row limit 5`;
    const clear = await tx.query<{ source_row: number }>(sql, only(job.params, sql));
    if (clear.length > 0)
      throw new IngestRefusal("refuse.mixed_hmac", {
        file: job.file,
        column: showValue(column.header),
        clear_rows: clear.map((r) => Number(r.source_row)).join(", "),
        hashed_rows: m.rows.map(Number).join(", "),
      });
  }
  await tx.run(`update ${CHECKED} set errors = list_filter(errors, e -> e.k <> $k)`, { k: HMAC_MARKED_CELL });
  await tx.run(`delete from ${CHECKED} where len(errors) = 0`);
}

/** Thrown out of the upload's transaction (so that it rolls back) when ids repeat that the checks did not know of. */
class RepeatedIds extends Error {
  constructor(readonly ids: string[]) {
    super(`${ids.length} ids repeat in the file`);
  }
}

/** How many ids one part of the search for repeated ids holds, unless IngestOptions say. */
const ID_PART_ROWS = 2_000_000;

/** Wait until a read prepared ahead is done with its files, whatever its outcome; null. */
async function settled(read: Promise<PreparedRead> | null): Promise<null> {
  await read?.then((r) => r.numbered).catch(() => undefined);
  return null;
}

/**
 * Rows read to guess which select_one columns hold codes only, as read (most files: they
 * land as read, skipping the trim, the label mapping and the code check, which are
 * identities or passes on such a column). A column with another cell in these rows is
 * certainly not clean; for the others, the checks confirm the guess on every row.
 */
const GUESS_ROWS = 4096;

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

/**
 * A temp table of text columns, made anew with these rows through DuckDB's appender (values
 * never become SQL text).
 */
async function tempTextTable(session: Session, table: string, columns: string[], rows: Iterable<string[]>) {
  await session.run(
    `create or replace temp table ${table} (${columns.map((c) => `${c} varchar`).join(", ")})`,
  );
  const appender = await session.connection.createAppender(table, "main", "temp");
  try {
    for (const row of rows) {
      for (const value of row) appender.appendVarchar(value);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** The frame's strata and PSUs, for the checks. */
const stageFrame = (session: Session, study: Study) =>
  tempTextTable(
    session,
    "_frame",
    ["stratum", "psu"],
    study.units.map((u) => [u.stratum, u.psu]),
  );

/** The codes of every long choice list, for hash lookups (see isCodeSql). */
const stageCodes = (session: Session, codebook: Codebook) =>
  tempTextTable(
    session,
    CODES,
    ["list", "code"],
    [...codebook.choices].flatMap(([list, choices]) =>
      choices.length <= SHORT_LIST ? [] : choices.map((c) => [list, c.name]),
    ),
  );

async function land(
  tx: Session,
  study: Study,
  waveId: string,
  uploadId: string,
  hmacKey: Buffer,
  mapped: string,
  params: Record<string, string | number>,
): Promise<void> {
  const q = quoteIdent;
  const hmacColumns = new Set(
    [...personalRules(study)].filter(([, action]) => action === "hmac").map(([column]) => column),
  );
  const codebook = study.codebookForWave(waveId);
  const types = rawColumnTypes(study);
  const columns = [...types.keys()].filter((c) => codebook.item(c));
  const hmac = hmacSql(hmacKey);
  // validated codes and whole numbers: the casts cannot fail
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
  await tx.run(sql, only({ upload: uploadId, wave: waveId, ...hmac.params, ...params }, sql));
}

/** The bound values a statement uses: DuckDB refuses values for parameters it does not have. */
function only(params: Record<string, string | number>, ...sql: string[]): Record<string, string | number> {
  const used = new Set(sql.flatMap((text) => [...text.matchAll(/\$(\w+)/g)].map((m) => m[1]!)));
  return Object.fromEntries(Object.entries(params).filter(([k]) => used.has(k)));
}

async function recordQuarantine(
  tx: Session,
  uploadId: string,
  reasons: { key: string; column: string; zh: string; en: string }[],
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
     from (select source_row, unnest(errors) as e from ${CHECKED})
     group by all order by n desc, k, c`,
  );
  return rows.map((r) => {
    const text = reasons.find((x) => x.key === r.k && x.column === r.c);
    return {
      reason: r.k,
      column: r.c,
      count: r.n,
      message: { zh: text?.zh ?? r.k, en: text?.en ?? r.k },
      first: r.first.map((f) => ({
        row: Number(f.row),
        value: f.value,
        ...rejectSentence(Number(f.row), r.c, f.value, { zh: text?.zh ?? r.k, en: text?.en ?? r.k }),
      })),
    };
  });
}

/** Human-readable report of an ingest result. */
export function formatIngestReport(result: IngestResult, lang: Lang = "en"): string {
  const lines: string[] = [];
  const t = (zh: string, en: string) => (lang === "zh" ? zh : en);
  if (result.status === "refused") {
    // the refusal message names the file itself
    lines.push(`${t("拒绝导入", "Refused")}: ${result.refusal?.[lang] ?? result.file_name}`);
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
  if (result.mapping?.calculated?.length)
    lines.push(`  ${message("ingest.calculated", lang, { columns: result.mapping.calculated.join(", ") })}`);
  for (const w of result.warnings ?? []) lines.push(`  ${t("注意", "warning")}: ${w[lang]}`);
  for (const e of result.errors) {
    lines.push(`  ${e.count} x ${e.column}: ${e.message[lang]}`);
    for (const f of e.first) lines.push(`    ${f[lang]}`);
  }
  if (result.rejects_note) lines.push(`  ${result.rejects_note[lang]}`);
  return lines.join("\n");
}
