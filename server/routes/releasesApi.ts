import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import type { Database } from "../../db/index.ts";
import {
  createRelease,
  listReleases,
  RELEASE_COLUMNS,
  type ReleaseFile,
  readRelease,
  releasesDir,
} from "../../models/index.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { BodyCache } from "../bodyCache.ts";
import { CachedBody } from "../cachedBody.ts";
import { toCsv, toXlsx } from "../exports.ts";
import { HttpError } from "../HttpError.ts";
import type { Writer } from "../writer.ts";
import { studyById } from "./uploads.ts";

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** The columns of a scores row, in order (the contract with the annual assessment system). */
/** Memory for kept scores answers (JSON with its gzip form, and workbooks). */
const RELEASE_CACHE_BYTES = 64 * 1024 * 1024;

export const SCORE_COLUMNS = ["release_id", "methodology_version", "wave_id", ...RELEASE_COLUMNS] as const;

const FILTERS = {
  organization: "organization_id",
  level: "unit_level",
  unit: "unit_code",
  index: "index_id",
  org_level: "org_level",
  group_var: "group_var",
} as const;

/** Rows of a release as score rows, filtered by the query string (exact matches). */
export function scoreRows(file: ReleaseFile, query: Record<string, unknown>): unknown[][] {
  const at = (c: string) => file.columns.indexOf(c);
  const filters = Object.entries(FILTERS)
    .filter(([param]) => typeof query[param] === "string")
    .map(([param, column]) => [at(column), String(query[param])] as const);
  const groupIndex = at("group_var");
  const wantGroups = typeof query.group_var === "string";
  return file.rows
    .filter((r) => (wantGroups || r[groupIndex] === "") && filters.every(([i, v]) => String(r[i]) === v))
    .map((r) =>
      SCORE_COLUMNS.map((c) =>
        c === "release_id"
          ? file.release_id
          : c === "methodology_version"
            ? file.methodology_version
            : c === "wave_id"
              ? file.wave_id
              : r[at(c)],
      ),
    );
}

/** The values a release holds in each filtered column, made once per parsed release. */
const valuesOf = new WeakMap<ReleaseFile, Map<string, Set<string>>>();

/**
 * Refuse a filter value the release does not hold (`organization=unionx`, `level=county`): a
 * typo would otherwise answer 200 with no rows. The answer names the value and the allowed ones
 * (a long list, like every village, only by its count and first values).
 */
export function checkScoreFilters(file: ReleaseFile, query: Record<string, unknown>): void {
  let known = valuesOf.get(file);
  if (!known) {
    known = new Map(
      Object.values(FILTERS).map((column) => {
        const i = file.columns.indexOf(column);
        return [column, new Set(file.rows.map((r) => String(r[i] ?? "")))];
      }),
    );
    valuesOf.set(file, known);
  }
  for (const [param, column] of Object.entries(FILTERS)) {
    const value = query[param];
    if (value === undefined) continue;
    if (typeof value !== "string")
      throw new HttpError(400, "bad_parameter", `parameter ${param} is given more than once`);
    const allowed = [...known.get(column)!].filter((v) => v !== "").sort();
    if (known.get(column)!.has(value)) continue;
    const list =
      allowed.length <= 12
        ? allowed.join(", ")
        : `${allowed.length} values, such as ${allowed.slice(0, 5).join(", ")}`;
    throw new HttpError(
      400,
      "bad_parameter",
      `${param}=${JSON.stringify(value)} is not in release ${file.release_id}; allowed: ${list || "none"}`,
    );
  }
}

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return "missing";
  }
}

export function releasesRouter(db: Database, writer: Writer): express.Router {
  const router = express.Router();
  router.get("/releases", requireRole("releases"), async (req, res) => {
    const study = typeof req.query.study === "string" ? req.query.study : undefined;
    res.json({ releases: await listReleases(db, study) });
  });

  router.post("/releases", requireRole("createRelease"), express.json({ limit: "4kb" }), async (req, res) => {
    const body = (req.body ?? {}) as { study?: string; wave?: string };
    const study = await studyById(db, body.study);
    if (typeof body.wave !== "string" || !study.waves.some((w) => w.id === body.wave)) {
      throw new HttpError(400, "bad_parameter", `study ${study.id} has no wave ${JSON.stringify(body.wave)}`);
    }
    const who = principal(res)!;
    const record = await writer.run(() => createRelease(db, study, body.wave!, who.user_name));
    // the release it supersedes now says so (superseded_by): read records afresh
    cache.clear();
    answers.clear();
    await audit(db, who.user_name, "release.create", {
      release_id: record.release_id,
      sha256: record.sha256,
    });
    res.status(201).json(record);
  });

  // Releases never change: a parsed release is kept while its file's size and mtime stay the
  // same; any change to the file makes the next request read it again, checksum included.
  const cache = new Map<string, { stamp: string; release: Awaited<ReturnType<typeof readRelease>> }>();
  // serialized answers (JSON, and XLSX workbooks) by ETag (release checksum + the known
  // filters) and format: a release never changes, so neither does its workbook
  const answers = new BodyCache(RELEASE_CACHE_BYTES);
  // a workbook being built, so concurrent first requests share one build
  const xlsxBuilds = new Map<string, Promise<Buffer>>();
  const load = async (id: string) => {
    if (!ID.test(id)) throw new HttpError(400, "bad_parameter", "malformed release id");
    const cached = cache.get(id);
    if (cached) {
      const stamp = stampOf(join(releasesDir(db), cached.release.record.file_name));
      if (stamp === cached.stamp) return cached.release;
    }
    try {
      const release = await readRelease(db, id);
      const stamp = stampOf(join(releasesDir(db), release.record.file_name));
      cache.set(id, { stamp, release });
      return release;
    } catch (error) {
      cache.delete(id);
      const message = (error as Error).message;
      if (message.startsWith("no release")) throw new HttpError(404, "no_release", message);
      throw new HttpError(500, "release_corrupt", message, { cause: error });
    }
  };

  router.get("/releases/:id", requireRole("releases"), async (req, res) => {
    const { record } = await load(String(req.params.id));
    res.json(record);
  });

  /**
   * A release's scores never change, so a response is identified by the release checksum
   * and the query: ETag and long-lived caching; If-None-Match answers 304.
   */
  router.get("/releases/:id/scores", requireRole("scores"), async (req, res) => {
    const { record, file } = await load(String(req.params.id));
    const format = typeof req.query.format === "string" ? req.query.format : "json";
    if (!["json", "csv", "xlsx"].includes(format))
      throw new HttpError(400, "bad_parameter", "format is json, csv or xlsx");
    checkScoreFilters(file, req.query);
    const query = Object.fromEntries(
      Object.entries(req.query).filter(([k]) => k in FILTERS || k === "format"),
    );
    const tag = createHash("sha256")
      .update(record.sha256)
      .update(record.superseded_by ?? "")
      .update(JSON.stringify(Object.entries(query).sort()))
      .digest("hex")
      .slice(0, 32);
    // JSON goes out gzip-encoded to clients that accept it: another representation, another
    // ETag; If-None-Match compares weakly (RFC 9110), so either one answers 304
    const etags = [`"${tag}"`, `"${tag}-gzip"`];
    // the figures never change, but a newer release may supersede this one (superseded_by
    // in the answer): clients keep the answer and ask again with If-None-Match (a 304)
    res.set("Cache-Control", "private, no-cache");
    const known = etags.find((e) => req.get("if-none-match") === e);
    if (known) {
      res.set("ETag", known).status(304).end();
      return;
    }
    if (format === "json") {
      let body = answers.get(tag);
      if (!body) {
        body = new CachedBody(
          JSON.stringify({
            release: record,
            columns: SCORE_COLUMNS,
            rows: scoreRows(file, req.query).map((r) =>
              Object.fromEntries(SCORE_COLUMNS.map((c, i) => [c, r[i]])),
            ),
          }),
        );
        answers.set(tag, body);
      }
      res.set("ETag", CachedBody.wantsGzip(req, body) ? etags[1] : etags[0]);
      await body.send(req, res, "json");
      return;
    }
    res.set("ETag", etags[0]);
    if (format === "csv") {
      res
        .type("text/csv; charset=utf-8")
        .attachment(`${record.release_id}-scores.csv`)
        .send(toCsv(SCORE_COLUMNS, scoreRows(file, req.query)));
    } else {
      // built once per release and filters (off the event loop's critical path: it yields as
      // it goes), then served from memory
      const key = `${tag}.xlsx`;
      let workbook = answers.get(key);
      if (!workbook) {
        const building = xlsxBuilds.get(key) ?? toXlsx("scores", SCORE_COLUMNS, scoreRows(file, req.query));
        xlsxBuilds.set(key, building);
        try {
          workbook = answers.set(key, new CachedBody(await building));
        } finally {
          xlsxBuilds.delete(key);
        }
      }
      res
        .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .attachment(`${record.release_id}-scores.xlsx`)
        .send(workbook.identity);
    }
  });
  return router;
}
