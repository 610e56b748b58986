import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import express from "express";
import iconv from "iconv-lite";
import multer from "multer";
import { z } from "zod";
import { type Database, hmacKey, quoteIdent, tempDirOf } from "../../db/index.ts";
import {
  exportRejects,
  ingestFile,
  mapColumns,
  rawTableName,
  retractUpload,
  uploadEncoding,
} from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";
import { uploadFigures, uploadsWithFiguresPending } from "../../models/index.ts";
import { type Codebook, loadStudy, type Study } from "../../study/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { Id, RecordId } from "../api/params.ts";
import { principal } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { FiguresRefresher } from "../figuresRefresher.ts";
import { HttpError } from "../HttpError.ts";
import { requestLang } from "../requestLang.ts";
import type { Writer } from "../writer.ts";
import { martOf } from "./api.ts";

export interface UploadsOptions {
  db: Database;
  writer: Writer;
  /** Largest accepted upload, bytes (default 200 MB). */
  maxUploadBytes?: number;
  /** Where a failed model run after an upload is logged (default stderr). */
  log?: (message: string) => void;
}

/**
 * Where an upload's figures stand: `updating` (its model run is queued or running),
 * `direct_updated` (the direct figures hold it; small-area estimates, rank intervals and
 * open-answer themes are still being computed), `updated` (the marts hold it), `failed` (the run after it failed; the marts
 * keep their last good state and the next upload or start runs them again), `unchanged`
 * (nothing landed: refused, or the same file again with nothing pending).
 */
const FIGURES_STATES = ["updating", "direct_updated", "updated", "failed", "unchanged"] as const;
export type FiguresState = (typeof FIGURES_STATES)[number];
const FiguresState = z.enum(FIGURES_STATES);

export async function studyById(db: Database, asked: unknown): Promise<Study> {
  const parsed = Id.safeParse(asked);
  if (!parsed.success) throw new HttpError(400, "bad_parameter", "parameter study is missing or malformed");
  const id = parsed.data;
  const rows = await db.query<{ study_dir: string }>("select study_dir from studies where study_id = $1", [
    id,
  ]);
  if (!rows[0]) throw new HttpError(404, "no_study", `no study ${id}`);
  return loadStudy(rows[0].study_dir);
}

/**
 * The loaded uploads that already hold respondents a file repeats (its rows rejected as
 * `reject.duplicate_id_in_wave`), from the ids the report shows: the page offers to replace the
 * upload when there is one.
 */
async function heldBy(
  db: Database,
  study: Study,
  wave: string,
  result: Awaited<ReturnType<typeof ingestFile>>,
): Promise<{ upload_id: string; file_name: string }[]> {
  const ids = result.errors
    .filter((e) => e.reason === "reject.duplicate_id_in_wave")
    .flatMap((e) => e.first.map((f) => f.value))
    .filter((v): v is string => v !== null);
  if (ids.length === 0) return [];
  return db.query(
    `select distinct u.upload_id, u.file_name
     from ${quoteIdent(rawTableName(study.id))} r join uploads u using (upload_id)
     where r.wave_id = $wave and u.status = 'loaded' and list_contains(cast(json($ids) as varchar[]), cast(r.respondent_id as varchar))
     order by 1`,
    { wave, ids: JSON.stringify(ids) },
  );
}

/** The codebook of the wave asked for, or of the study's latest wave. */
function codebookOf(study: Study, asked: unknown): { wave: string | undefined; codebook: Codebook } {
  const wave =
    typeof asked === "string" && study.waves.some((w) => w.id === asked) ? asked : study.waves.at(-1)?.id;
  const codebook = wave ? study.codebookForWave(wave) : [...study.codebookByVersion.values()].at(-1)!;
  return { wave, codebook };
}

const bilingual = z.object({ zh: z.string(), en: z.string() });

/** How a file's header cells map to codebook items (the ingest's ColumnMapping). */
export const ColumnMapping = named(
  "ColumnMapping",
  z.object({
    mapped: z.array(
      z.object({
        column: z.string(),
        header: z.string(),
        item: z.string(),
        by: z.enum(["name", "group_path", "label_zh", "label_en", "options"]),
      }),
    ),
    options: z.array(
      z.object({
        item: z.string(),
        header: z.string(),
        columns: z.array(z.object({ column: z.string(), header: z.string(), code: z.string() })),
      }),
    ),
    ignored: z.array(z.string()),
    duplicates: z.array(z.string()),
    calculated: z.array(z.string()).optional(),
  }),
);

/** The validation report of an upload (the CLI's `barometer upload` prints the same). */
export const UploadReport = named(
  "UploadReport",
  z.object({
    upload_id: z.string().nullable(),
    status: z.enum(["loaded", "duplicate", "refused"]),
    rows: z.int(),
    accepted: z.int(),
    rejected: z.int(),
    encoding: z.string().nullable(),
    format: z.string().nullable(),
    file_name: z.string(),
    delimiter: z.string().nullable(),
    mapping: ColumnMapping.nullable(),
    errors: z.array(
      z.object({
        reason: z.string(),
        column: z.string(),
        count: z.int(),
        message: bilingual,
        first: z.array(z.object({ row: z.int(), value: z.string().nullable(), ...bilingual.shape })),
      }),
    ),
    refusal: bilingual.extend({ code: z.string() }).nullable(),
    personal: z.array(z.object({ column: z.string(), action: z.enum(["drop", "hmac"]) })),
    rejects_note: bilingual.nullable(),
    warnings: z.array(bilingual.extend({ code: z.string() })),
    model_run_error: z.string().nullable(),
    figures: FiguresState,
    figures_url: z.string().nullable(),
    held_by: z.array(z.object({ upload_id: z.string(), file_name: z.string() })),
  }),
);

/** A row of the upload history (the upload_reports mart). */
export const UploadRow = named(
  "UploadRow",
  z.looseObject({
    upload_id: z.string(),
    wave_id: z.string(),
    file_name: z.string(),
    status: z.string(),
    n_rows_read: z.int().nullable(),
    n_accepted: z.int().nullable(),
    n_rejected: z.int().nullable(),
    uploaded_by: z.string().nullable(),
    uploaded_at: z.string(),
    figures_pending: z.boolean(),
  }),
);

const StudyParam = z.object({ study: Id });
const UploadParam = z.object({ id: RecordId });
/** A wave of the study; any other (or none) means its latest wave. */
const WaveOrLatest = z
  .string()
  .max(64)
  .meta({ description: "the study's latest wave when absent or unknown" })
  .optional();

export const postUpload = apiRoute({
  method: "post",
  path: "/uploads",
  summary:
    "Upload a file of responses; the same ingest as the CLI; answers at commit, the study's models rerun after a load in the background (see /uploads/{id}/figures)",
  capability: "uploads",
  multipart: true,
  body: z.object({
    file: z.string().meta({ format: "binary", description: "CSV (UTF-8 or GBK), xlsx or Parquet" }),
    study: Id,
    wave: Id,
    replace: RecordId.meta({ description: "the loaded upload this file replaces" }).optional(),
    strict: z
      .enum(["true", "false"])
      .meta({ description: "refuse the whole file if any row fails" })
      .optional(),
    encoding: z.enum(["utf-8", "gbk", "gb18030"]).meta({ description: "detected when absent" }).optional(),
    sheet: z
      .string()
      .max(200)
      .meta({ description: "an xlsx file's sheet (the first by default)" })
      .optional(),
    wait: z
      .enum(["figures"])
      .meta({
        description: "answer only once the study's models have run (by default the answer comes at commit)",
      })
      .optional(),
  }),
  responses: {
    200: { description: "loaded or duplicate: the validation report", schema: UploadReport },
    404: { description: "no such study" },
    413: { description: "the file is larger than the upload limit" },
    422: { description: "refused, with the reason", schema: UploadReport },
  },
});

export const codebook = apiRoute({
  method: "get",
  path: "/studies/:study/codebook",
  summary: "The items of a wave's codebook (the study's latest wave by default)",
  capability: "uploads",
  params: StudyParam,
  query: z.object({ wave: WaveOrLatest }),
  responses: {
    200: {
      description: "the codebook's items",
      schema: z.object({
        study: z.string(),
        wave: z.string().optional(),
        version: z.string(),
        items: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            required: z.boolean(),
            label_zh: z.string(),
            label_en: z.string(),
          }),
        ),
      }),
    },
    404: { description: "no such study" },
  },
});

export const columnMapping = apiRoute({
  method: "post",
  path: "/studies/:study/column-mapping",
  summary:
    "How the ingest would map these header cells to the codebook; `column` in the answer is a cell's position",
  capability: "uploads",
  params: StudyParam,
  body: z.object({ header: z.array(z.string().max(2000)).max(5000), wave: WaveOrLatest }),
  responses: {
    200: {
      description: "mapped, ignored and duplicated header cells",
      schema: z.object({ study: z.string(), wave: z.string().optional(), mapping: ColumnMapping }),
    },
    404: { description: "no such study" },
  },
});

export const listUploadsRoute = apiRoute({
  method: "get",
  path: "/uploads",
  summary: "Upload history of a study, newest first",
  capability: "uploads",
  query: StudyParam,
  responses: {
    200: { description: "uploads", schema: z.object({ study: z.string(), uploads: z.array(UploadRow) }) },
    404: { description: "no such study" },
  },
});

export const rejectsCsv = apiRoute({
  method: "get",
  path: "/uploads/:id/rejects.csv",
  summary:
    "An upload's rejected rows in the file's own layout and encoding, with a last column saying why (in the request's language)",
  capability: "uploads",
  params: UploadParam,
  responses: {
    200: { description: "CSV (UTF-8 with BOM, or GB18030 after a GBK upload)", contentType: "text/csv" },
    404: { description: "no such upload" },
    410: { description: "a refused upload's rejected rows are kept 7 days" },
  },
});

export const uploadFiguresRoute = apiRoute({
  method: "get",
  path: "/uploads/:id/figures",
  summary:
    "Where the figures stand after an upload: updating (its model run is queued or running), direct_updated (the direct figures hold it; small-area estimates, rank intervals and open-answer themes follow), updated, failed (with the run's error), unchanged (nothing landed)",
  capability: "uploads",
  params: UploadParam,
  responses: {
    200: {
      description: "the figures' state",
      schema: z.object({
        upload_id: z.string(),
        study: z.string().optional(),
        figures: FiguresState,
        model_run_id: z.string().nullable().optional(),
        model_run_error: z.string().nullable(),
      }),
    },
    404: { description: "no such upload" },
  },
});

export const retract = apiRoute({
  method: "post",
  path: "/uploads/:id/retract",
  summary:
    "Withdraw an upload (kept in the history). The answer comes at the retraction's commit; the study's models then run in the background (figures_url says when the figures no longer hold it)",
  capability: "uploads",
  params: UploadParam,
  query: z.object({
    wait: z
      .enum(["figures"])
      .meta({ description: "answer only once the study's models have run" })
      .optional(),
  }),
  responses: {
    200: {
      description: "retracted",
      schema: z.object({
        upload_id: z.string(),
        status: z.literal("retracted"),
        figures: FiguresState.exclude(["unchanged"]),
        model_run_error: z.string().nullable(),
        figures_url: z.string(),
      }),
    },
    404: { description: "no such upload" },
    409: { description: "the upload cannot be retracted (not loaded)" },
  },
});

/**
 * Uploads through the server, with the same ingest code as the CLI. The answer (the validation
 * report) goes as soon as the upload's transaction commits; the study's models then run in the
 * background (`FiguresRefresher`), and `GET /uploads/:id/figures` says when the figures hold
 * the upload (a failed run keeps the upload and the last good marts, and says so). With the
 * form field `wait=figures` the answer waits for that run, as scripts that read the figures
 * next may want.
 */
export function uploadsRouter(options: UploadsOptions): express.Router {
  const { db, writer } = options;
  const refresher = new FiguresRefresher(db, writer, options.log ?? ((m) => process.stderr.write(`${m}\n`)));
  const router = express.Router();
  // beside the database, not in /tmp: a killed upload's files are removed at the next start
  mkdirSync(tempDirOf(db.path), { recursive: true });
  const staging = mkdtempSync(join(tempDirOf(db.path), "uploads-"));
  const upload = multer({
    dest: staging,
    // browsers send a file name's UTF-8 bytes without saying so (调查数据.csv, not è°æ¥...)
    defParamCharset: "utf8",
    limits: { fileSize: options.maxUploadBytes ?? 200 * 1024 * 1024, files: 1, fields: 10, fieldSize: 1024 },
  });
  const receive: express.RequestHandler = (req, res, next) =>
    upload.single("file")(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        next(
          new HttpError(
            error.code === "LIMIT_FILE_SIZE" ? 413 : 400,
            "bad_upload",
            error.code === "LIMIT_FILE_SIZE" ? "the file is larger than the upload limit" : error.message,
          ),
        );
      } else next(error);
    });

  mount(router, postUpload, [receive], async (req, res, { body }) => {
    const file = req.file!;
    try {
      const study = await studyById(db, body.study);
      const who = principal(res)!;
      const ingested = await writer.run(async () => {
        const r = await ingestFile(db, {
          study,
          waveId: body.wave,
          path: file.path,
          fileName: file.originalname,
          strict: body.strict === "true",
          replace: body.replace,
          encoding: body.encoding,
          sheet: body.sheet || undefined,
          user: who.user_name,
          hmacKey: await hmacKey(db),
          tempDir: tempDirOf(db.path),
        });
        // a duplicate of an upload whose model run never finished (a crash between the two)
        // runs the models now, so sending the file again is never a dead end
        const pendingDuplicate =
          r.status === "duplicate" && (await uploadsWithFiguresPending(db, study.id)).size > 0;
        return {
          r,
          run: r.status === "loaded" || pendingDuplicate,
          held_by: await heldBy(db, study, body.wave, r),
        };
      });
      // asked now, before anything else can queue: the run follows the upload's commit
      const run = ingested.run ? refresher.refresh(study) : null;
      let figures: FiguresState = run ? "updating" : "unchanged";
      let modelRunError: string | null = null;
      if (run && body.wait === "figures") {
        modelRunError = await run;
        figures = modelRunError === null ? "updated" : "failed";
      }
      const result = {
        ...ingested.r,
        held_by: ingested.held_by,
        figures,
        model_run_error: modelRunError,
        figures_url:
          ingested.r.upload_id && ingested.r.status !== "refused"
            ? `/api/v1/uploads/${encodeURIComponent(ingested.r.upload_id)}/figures`
            : null,
      };
      await audit(db, who.user_name, "upload", {
        study: study.id,
        wave: body.wave,
        upload_id: result.upload_id,
        status: result.status,
        file_name: result.file_name,
      });
      res.status(result.status === "refused" ? 422 : 200).json(result);
    } finally {
      if (file) rmSync(file.path, { force: true });
    }
  });

  mount(router, codebook, [], async (_req, res, { params, query }) => {
    const study = await studyById(db, params.study);
    const { wave, codebook } = codebookOf(study, query.wave);
    res.json({
      study: study.id,
      wave,
      version: codebook.version,
      items: codebook.items.map((i) => ({
        name: i.name,
        type: i.type,
        required: i.required,
        label_zh: i.label.zh,
        label_en: i.label.en,
      })),
    });
  });

  // How the ingest would map these header cells to codebook items (the upload page's preview
  // asks, so that it shows what the ingest will do); `column` in the answer is the cell's
  // position, from 0.
  mount(router, columnMapping, [express.json({ limit: "256kb" })], async (_req, res, { params, body }) => {
    const study = await studyById(db, params.study);
    const header = body.header;
    const { wave, codebook } = codebookOf(study, body.wave);
    const mapping = mapColumns(
      header,
      header.map((_, i) => String(i)),
      codebook,
    );
    res.json({ study: study.id, wave, mapping });
  });

  mount(router, listUploadsRoute, [], async (_req, res, { query }) => {
    const study = await studyById(db, query.study);
    const mart = await martOf(db, "upload_reports", study.id);
    const rows = mart
      ? await db.query<{ upload_id: string }>(
          `select * exclude (uploaded_at, retracted_at), strftime(uploaded_at, '%Y-%m-%d %H:%M:%S') as uploaded_at from ${mart} order by uploaded_at desc`,
        )
      : [];
    // uploads committed after the last model run: their figures are still to come (a run
    // under way, or one a crash interrupted, which the server reruns at start)
    const pending = await uploadsWithFiguresPending(db, study.id);
    const shown = new Set(rows.map((r) => r.upload_id));
    const missing = [...pending].filter((id) => !shown.has(id));
    // while figures are pending the mart is older than the uploads: the uploads' own rows say
    // what is pending, and the status now (an upload a pending one replaced is superseded already)
    const extra = pending.size
      ? await db.query<{ upload_id: string; status: string }>(
          `select upload_id, wave_id, file_name, format, encoding, status, n_rows_read, n_accepted, n_rejected,
             replaces_upload_id, uploaded_by, [] as rejects_by_reason,
             strftime(uploaded_at, '%Y-%m-%d %H:%M:%S') as uploaded_at
           from uploads where study_id = $1 order by uploaded_at desc`,
          [study.id],
        )
      : [];
    const now = new Map(extra.map((r) => [r.upload_id, r.status]));
    const uploads = [...extra.filter((r) => missing.includes(r.upload_id)), ...rows].map((r) => ({
      ...r,
      status: now.get(r.upload_id) ?? (r as { status?: string }).status,
      figures_pending: pending.has(r.upload_id),
    }));
    res.json({ study: study.id, uploads });
  });

  // Where the figures stand after an upload: the page and the CLI ask until `updated` or `failed`.
  mount(router, uploadFiguresRoute, [], async (_req, res, { params: { id } }) => {
    const state = await uploadFigures(db, id);
    if (!state) {
      const refused = await db.query("select 1 from refused_uploads where upload_id = $1", [id]);
      if (!refused[0]) throw new HttpError(404, "no_upload", `no upload ${id}`);
      res.json({ upload_id: id, figures: "unchanged", model_run_error: null });
      return;
    }
    let figures: FiguresState = "updated";
    let error: string | null = null;
    if (state.pending) {
      const failed = !refresher.busy(state.study_id) && state.last_run?.status === "failed";
      figures = failed ? "failed" : state.directPending ? "updating" : "direct_updated";
      error = failed ? state.last_run!.message : null;
    }
    res.json({
      upload_id: id,
      study: state.study_id,
      figures,
      model_run_id: state.last_run?.run_id ?? null,
      model_run_error: error,
    });
  });

  // The rejected rows in the file's own layout, through the same ingest function as
  // `barometer upload rejects` (the one place that reads quarantine_rows).
  mount(router, rejectsCsv, [], async (req, res, { params: { id } }) => {
    const rows = await db.query<{ live: boolean }>(
      `select true as live from uploads where upload_id = $1
       union all select expires_at > now() as live from refused_uploads where upload_id = $1`,
      [id],
    );
    if (!rows[0]) throw new HttpError(404, "no_upload", `no upload ${id}`);
    // the rejected rows of a refused upload are kept 7 days
    if (!rows[0].live)
      throw new HttpError(410, "rejects_expired", message("export.rejects_expired", "en", { upload: id }));
    // in the file's own encoding (a GBK export comes back GB18030, which Excel in China opens
    // as it is), with a last column saying why each row was rejected, in the page's language
    const gb = (await uploadEncoding(db, id)) === "gb18030";
    res.attachment(`${id}-rejects.csv`).type(`text/csv; charset=${gb ? "gb18030" : "utf-8"}`);
    const reasons = requestLang(req);
    if (gb) {
      const encoded = iconv.encodeStream("gb18030");
      encoded.pipe(res);
      await exportRejects(db, id, encoded as unknown as Writable, { reasons });
      encoded.end();
      await once(res, "finish");
    } else {
      res.write("\uFEFF");
      await exportRejects(db, id, res, { reasons });
      res.end();
    }
  });

  mount(router, retract, [], async (_req, res, { params: { id }, query }) => {
    const rows = await db.query<{ study_id: string }>("select study_id from uploads where upload_id = $1", [
      id,
    ]);
    if (!rows[0]) throw new HttpError(404, "no_upload", `no upload ${id}`);
    const study = await studyById(db, rows[0].study_id);
    const who = principal(res)!;
    await writer.run(async () => {
      try {
        await retractUpload(db, id, who.user_name);
      } catch (error) {
        throw new HttpError(409, "cannot_retract", (error as Error).message);
      }
    });
    // as after an upload: the answer at the commit, the model run after it in the background
    // (a crash in between is found at the next start: pendingModelRuns counts retractions)
    const run = refresher.refresh(study);
    let figures: "updating" | "updated" | "failed" = "updating";
    let modelRunError: string | null = null;
    if (query.wait === "figures") {
      modelRunError = await run;
      figures = modelRunError === null ? "updated" : "failed";
    }
    await audit(db, who.user_name, "upload.retract", { upload_id: id });
    res.json({
      upload_id: id,
      status: "retracted",
      figures,
      model_run_error: modelRunError,
      figures_url: `/api/v1/uploads/${encodeURIComponent(id)}/figures`,
    });
  });
  return router;
}
