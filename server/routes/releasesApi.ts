import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import {
  createRelease,
  listReleases,
  RELEASE_COLUMNS,
  type ReleaseFile,
  readRelease,
  releasesDir,
} from "../../models/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { Id, num, RecordId } from "../api/params.ts";
import { principal } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import { BodyCache } from "../bodyCache.ts";
import { CachedBody } from "../cachedBody.ts";
import { toCsv, toXlsx } from "../exports.ts";
import { HttpError } from "../HttpError.ts";
import type { Writer } from "../writer.ts";
import { studyById } from "./uploads.ts";

/** Memory for kept scores answers (JSON with its gzip form, and workbooks). */
const RELEASE_CACHE_BYTES = 64 * 1024 * 1024;

/** The columns of a scores row, in order (the contract with the annual assessment system). */
export const SCORE_COLUMNS = ["release_id", "methodology_version", "wave_id", ...RELEASE_COLUMNS] as const;

const rank = () => z.int().nullable();
/** Each score column's type: the compiler checks that every column of SCORE_COLUMNS has one. */
const SCORE_FIELDS = {
  release_id: z.string(),
  methodology_version: z.string(),
  wave_id: z.string(),
  organization_id: z.string(),
  organization_name_zh: z.string(),
  organization_name_en: z.string(),
  index_id: z.string(),
  index_name_zh: z.string(),
  index_name_en: z.string(),
  aspect: z.string().meta({ description: "an aspect of the index, or empty for the index itself" }),
  org_level: z.string(),
  unit_level: z.string(),
  unit_code: z.string(),
  unit_name_zh: z.string(),
  unit_name_en: z.string(),
  group_var: z.string().meta({ description: "empty for the totals" }),
  group_value: z.string(),
  method: z.enum(["direct", "fay_herriot", "synthetic"]).meta({
    description:
      "how the figure was made: direct (design-based, from the unit's own respondents), fay_herriot (model-based, small-area estimation) or synthetic (model-based, a village without respondents); a figure that is not direct is shown as 模型估计 / model-based",
  }),
  is_primary: z.boolean().meta({
    description:
      "the unit's primary figure (study.yaml small_area.unit_levels.<level>.primary): the one ranks and tiers use",
  }),
  estimate_0_100: num(),
  se_0_100: num(),
  ci_low_0_100: num(),
  ci_high_0_100: num(),
  n: z.int().nullable(),
  n_eff: num(),
  is_withheld: z.boolean(),
  withheld_reason: z.string(),
  is_unreliable: z.boolean().nullable(),
  tier: z.int().nullable(),
  rank: rank(),
  rank_low: rank(),
  rank_high: rank(),
  rank_low_simultaneous: rank(),
  rank_high_simultaneous: rank(),
  tier_probability: num(),
  is_tier_uncertain: z.boolean().nullable(),
} satisfies Record<(typeof SCORE_COLUMNS)[number], z.ZodType>;

export const ScoreRow = named(
  "ScoreRow",
  z.object(Object.fromEntries(SCORE_COLUMNS.map((c) => [c, SCORE_FIELDS[c]])) as typeof SCORE_FIELDS),
);

export const Release = named(
  "Release",
  z.object({
    release_id: z.string(),
    study_id: z.string(),
    wave_id: z.string(),
    created_at: z.string(),
    created_by: z.string(),
    file_name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    n_rows: z.int(),
    methodology_version: z.string(),
    supersedes_release_id: z.string().nullable(),
    superseded_by: z.string().nullable().meta({
      description: "the newer release of the same wave that replaces this one (null while the latest)",
    }),
  }),
);

const ReleaseParam = z.object({ id: RecordId });

export const listReleasesRoute = apiRoute({
  method: "get",
  path: "/releases",
  summary: "Releases (frozen figures), of one study or all",
  capability: "releases",
  query: z.object({ study: Id.optional() }),
  responses: { 200: { description: "releases", schema: z.object({ releases: z.array(Release) }) } },
});

export const createReleaseRoute = apiRoute({
  method: "post",
  path: "/releases",
  summary: "Freeze a wave's figures as a release; the wave's previous release says it is superseded",
  capability: "createRelease",
  body: z.object({ study: Id, wave: Id }),
  responses: { 201: { description: "created", schema: Release }, 404: { description: "no such study" } },
});

export const releaseRoute = apiRoute({
  method: "get",
  path: "/releases/:id",
  summary: "One release",
  capability: "releases",
  params: ReleaseParam,
  responses: { 200: { description: "release", schema: Release }, 404: { description: "no such release" } },
});

const filter = (description: string) => z.string().meta({ description }).optional();

export const scoresRoute = apiRoute({
  method: "get",
  path: "/releases/:id/scores",
  summary:
    "Scores for the annual assessment. Never change: ETag; If-None-Match gives 304. A filter value the release does not hold is a 400 naming it and the allowed ones",
  capability: "scores",
  params: ReleaseParam,
  query: z.object({
    organization: filter("an organization id"),
    level: filter("a unit level (district, township, village)"),
    unit: filter("a unit code"),
    index: filter("an index id"),
    org_level: filter("the organization level"),
    group_var: filter("a demographic group's variable (totals only without it)"),
    figure: z.enum(["primary", "direct", "model"]).default("primary").meta({
      description:
        "which figure of each unit: its primary one (default; study.yaml names it per unit level), the direct one, or the model-based one (fay_herriot or synthetic), where the release publishes it",
    }),
    format: z.enum(["json", "csv", "xlsx"]).default("json"),
  }),
  responses: {
    200: {
      description: "JSON (default), CSV or XLSX (format=csv|xlsx)",
      schema: z.object({ release: Release, columns: z.array(z.string()), rows: z.array(ScoreRow) }),
    },
    304: { description: "not modified" },
    404: { description: "no such release" },
  },
});

const FILTERS = {
  organization: "organization_id",
  level: "unit_level",
  unit: "unit_code",
  index: "index_id",
  org_level: "org_level",
  group_var: "group_var",
} as const;

/**
 * Rows of a release as score rows, filtered by the query string (exact matches) and by
 * `figure`: each unit's primary figure (the default), its direct one or its model-based one. A
 * release frozen before figures had methods holds direct figures only, each primary.
 */
export function scoreRows(file: ReleaseFile, query: Record<string, unknown>): unknown[][] {
  const at = (c: string) => file.columns.indexOf(c);
  const filters = Object.entries(FILTERS)
    .filter(([param]) => typeof query[param] === "string")
    .map(([param, column]) => [at(column), String(query[param])] as const);
  const groupIndex = at("group_var");
  const wantGroups = typeof query.group_var === "string";
  const methodIndex = at("method");
  const primaryIndex = at("is_primary");
  const methodOf = (r: unknown[]) => (methodIndex < 0 ? "direct" : String(r[methodIndex]));
  const figure = query.figure === "direct" || query.figure === "model" ? query.figure : "primary";
  const wanted = (r: unknown[]) =>
    figure === "primary"
      ? primaryIndex < 0 || r[primaryIndex] === true
      : (methodOf(r) === "direct") === (figure === "direct");
  return file.rows
    .filter(
      (r) =>
        (wantGroups || r[groupIndex] === "") && wanted(r) && filters.every(([i, v]) => String(r[i]) === v),
    )
    .map((r) =>
      SCORE_COLUMNS.map((c) =>
        c === "release_id"
          ? file.release_id
          : c === "methodology_version"
            ? file.methodology_version
            : c === "wave_id"
              ? file.wave_id
              : c === "method"
                ? methodOf(r)
                : c === "is_primary"
                  ? primaryIndex < 0 || r[primaryIndex] === true
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
    if (known.get(column)!.has(value)) continue;
    throw new HttpError(
      400,
      "bad_parameter",
      `${param}=${JSON.stringify(value)} is not in release ${file.release_id}; allowed: ${allowedList(known.get(column)!)}`,
    );
  }
}

/** The allowed values of a filter, for its 400: a long list (every village) by count and first values. */
export function allowedList(values: Iterable<string>): string {
  const allowed = [...values].filter((v) => v !== "").sort();
  const list =
    allowed.length <= 12
      ? allowed.join(", ")
      : `${allowed.length} values, such as ${allowed.slice(0, 5).join(", ")}`;
  return list || "none";
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
  mount(router, listReleasesRoute, [], async (_req, res, { query }) => {
    res.json({ releases: await listReleases(db, query.study) });
  });

  mount(router, createReleaseRoute, [express.json({ limit: "4kb" })], async (_req, res, { body }) => {
    const study = await studyById(db, body.study);
    if (!study.waves.some((w) => w.id === body.wave)) {
      throw new HttpError(400, "bad_parameter", `study ${study.id} has no wave ${JSON.stringify(body.wave)}`);
    }
    const who = principal(res)!;
    const record = await writer.run(() => createRelease(db, study, body.wave, who.user_name));
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

  mount(router, releaseRoute, [], async (_req, res, { params }) => {
    const { record } = await load(params.id);
    res.json(record);
  });

  /**
   * A release's scores never change, so a response is identified by the release checksum
   * and the query: ETag and long-lived caching; If-None-Match answers 304.
   */
  mount(router, scoresRoute, [], async (req, res, { params, query: { format } }) => {
    const { record, file } = await load(params.id);
    checkScoreFilters(file, req.query);
    const query = Object.fromEntries(
      Object.entries(req.query).filter(([k]) => k in FILTERS || k === "format" || k === "figure"),
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
