import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import multer from "multer";
import { type Database, tempDirOf } from "../../db/index.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { ingestSiteAssessments } from "../../ingest/ingestSiteAssessments.ts";
import { buildSiteMartsIn } from "../../models/sites/buildSiteMarts.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { HttpError } from "../HttpError.ts";
import type { Writer } from "../writer.ts";

const ID = /^[a-z][a-z0-9_]{0,63}$/;

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

  router.post("/sites/uploads", requireRole("uploads"), receive, async (req, res) => {
    const file = req.file;
    try {
      if (!file) throw new HttpError(400, "no_file", "send the file in the multipart field `file`");
      const body = req.body as Record<string, string | undefined>;
      if (typeof body.study !== "string" || !ID.test(body.study))
        throw new HttpError(400, "bad_parameter", "parameter study is missing or malformed");
      if (body.period !== undefined && body.period !== "" && !/^\d{4}H[12]$/.test(body.period))
        throw new HttpError(400, "bad_parameter", "parameter period must be a half-year such as 2021H1");
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
