import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import multer from "multer";
import { z } from "zod";
import { type Database, tempDirOf } from "../../db/index.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { ingestSiteAssessments } from "../../ingest/ingestSiteAssessments.ts";
import { buildSiteMartsIn } from "../../models/sites/buildSiteMarts.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { principal } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { HttpError } from "../HttpError.ts";
import type { Writer } from "../writer.ts";

const bilingual = z.object({ zh: z.string(), en: z.string() });

export const postSiteUpload = apiRoute({
  method: "post",
  path: "/sites/uploads",
  summary:
    "Upload a file of demonstration-site assessment forms (CSV UTF-8/GBK or xlsx), checked against the study's XLSForm as `barometer sites ingest` does; the good rows land (a site, half-year and assessor uploaded again replaces) and the site scores are rebuilt",
  capability: "uploads",
  multipart: true,
  body: z.object({
    file: z.string().meta({ format: "binary" }),
    study: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "a study id"),
    period: z
      .union([z.literal(""), z.string().regex(/^\d{4}H[12]$/, "a half-year such as 2021H1")])
      .optional(),
  }),
  responses: {
    200: {
      description: "landed",
      schema: z.object({
        upload_id: z.string(),
        file: z.string(),
        n_rows: z.int(),
        n_landed: z.int(),
        n_replaced: z.int(),
        n_rejected: z.int(),
        rejects: z.array(
          z.object({ row: z.int(), column: z.string(), value: z.string().nullable(), ...bilingual.shape }),
        ),
        periods: z.array(z.string()),
      }),
    },
    404: { description: "no such demonstration-sites study" },
    413: { description: "the file is larger than the upload limit" },
    422: {
      description: "refused (every row bad, no form, not CSV or xlsx)",
      schema: z.object({ status: z.literal("refused"), code: z.string(), refusal: bilingual }),
    },
  },
});

/**
 * `POST /api/v1/sites/uploads`: a file of assessment forms for a demonstration-sites study
 * (multipart: `file`, `study`, optional `period`), through the same function as
 * `barometer sites ingest` and the server's one Writer: checked against the study's XLSForm,
 * the good rows landed and the site tables rebuilt in one transaction. 200 with the result
 * (rejected rows with their sentences in zh and en), 422 with the refusal when nothing landed.
 */
export function siteUploadsRouter(options: {
  db: Database;
  writer: Writer;
  maxUploadBytes?: number;
}): express.Router {
  const { db, writer } = options;
  const router = express.Router();
  mkdirSync(tempDirOf(db.path), { recursive: true });
  const staging = mkdtempSync(join(tempDirOf(db.path), "site-uploads-"));
  const upload = multer({
    dest: staging,
    defParamCharset: "utf8",
    limits: { fileSize: options.maxUploadBytes ?? 50 * 1024 * 1024, files: 1, fields: 5, fieldSize: 256 },
  });
  const receive: express.RequestHandler = (req, res, next) =>
    upload.single("file")(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        const tooLarge = error.code === "LIMIT_FILE_SIZE";
        next(
          new HttpError(
            tooLarge ? 413 : 400,
            "bad_upload",
            tooLarge ? "the file is larger than the upload limit" : error.message,
          ),
        );
      } else next(error);
    });

  mount(router, postSiteUpload, [receive], async (req, res, { body }) => {
    const file = req.file!;
    try {
      const found = await db
        .query<{ study_dir: string | null }>("select study_dir from site_studies where study_id = $1", [
          body.study,
        ])
        .catch(() => []);
      const dir = found[0]?.study_dir;
      if (!dir) throw new HttpError(404, "no_study", `no demonstration-sites study ${body.study}`);
      const study = loadSiteStudy(dir);
      const who = principal(res)!;
      try {
        const result = await writer.run(() =>
          ingestSiteAssessments(db, study, file.path, {
            file: file.originalname,
            period: body.period || undefined,
            user: who.user_name,
            onLanded: (session) => buildSiteMartsIn(session, study),
          }),
        );
        await audit(db, who.user_name, "site_upload", {
          study: study.config.id,
          upload_id: result.upload_id,
          file_name: result.file,
          landed: result.n_landed,
          rejected: result.n_rejected,
        });
        res.json(result);
      } catch (error) {
        if (!(error instanceof IngestRefusal)) throw error;
        res.status(422).json({ status: "refused", code: error.code, refusal: error.texts });
      }
    } finally {
      if (file) rmSync(file.path, { force: true });
    }
  });
  return router;
}
