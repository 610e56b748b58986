import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import { modelEvents } from "../../models/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { num } from "../api/params.ts";
import { CachedBody } from "../cachedBody.ts";
import { HttpError } from "../HttpError.ts";
import { jsonInPieces } from "../jsonInPieces.ts";
import { RefreshingCache } from "../refreshingCache.ts";
import type { Writer } from "../writer.ts";
import { martOf } from "./api.ts";
import { allowedList } from "./releasesApi.ts";

/** Memory for kept figures answers (plain and gzip forms together). */
const FIGURES_CACHE_BYTES = 64 * 1024 * 1024;

const Value = z.string().regex(/^[A-Za-z0-9_.-]{0,64}$/, "letters, digits, _, . and - (at most 64)");

/** A row of the published_scores mart with its unit's names (more columns than these may follow). */
export const FigureRow = named(
  "FigureRow",
  z.looseObject({
    wave_id: z.string(),
    organization_id: z.string(),
    index_id: z.string(),
    aspect: z.string(),
    org_level: z.string(),
    unit_level: z.string(),
    unit_code: z.string(),
    unit_name_zh: z.string(),
    unit_name_en: z.string(),
    group_var: z.string(),
    group_value: z.string(),
    method: z.enum(["direct", "fay_herriot", "synthetic"]).meta({
      description:
        "direct, or model-based (fay_herriot; synthetic: a village without respondents), shown as 模型估计 / model-based",
    }),
    is_primary: z.boolean().meta({ description: "the unit's primary figure, the one ranks and tiers use" }),
    estimate_0_100: num(),
    se_0_100: num(),
    ci_low_0_100: num(),
    ci_high_0_100: num(),
    n: z.int().nullable(),
    is_withheld: z.boolean(),
  }),
);

const FiguresQuery = z.object({
  wave: Value.optional(),
  organization: Value.optional(),
  index: Value.optional(),
  unit_level: Value.optional(),
  org_level: Value.default("township"),
  group_var: Value.default("").meta({
    description: "a demographic group's variable; none (the totals) by default",
  }),
  figure: z.enum(["primary", "direct", "model"]).default("primary").meta({
    description:
      "which figure of each unit: its primary one (default; study.yaml names it per unit level), the direct one or the model-based one, where published",
  }),
});

export const figures = apiRoute({
  method: "get",
  path: "/studies/:study/figures",
  summary: "Current figures of a study, suppression applied (the overview's data)",
  capability: "figures",
  params: z.object({ study: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "a study id") }),
  query: FiguresQuery,
  responses: {
    200: {
      description: "figures (X-Figures-Stale: 1 while figures older than the last model run are rebuilt)",
      schema: z.object({
        study: z.string(),
        filters: z.object({
          wave: z.string().nullable(),
          organization: z.string().nullable(),
          index: z.string().nullable(),
          unit_level: z.string().nullable(),
          org_level: z.string(),
          group_var: z.string(),
          figure: z.string(),
        }),
        rows: z.array(FigureRow),
      }),
    },
    400: { description: "a filter value the figures do not hold (named, with the allowed ones)" },
    404: { description: "the study has no figures yet" },
  },
});

/** The figures API's filters and the columns they match. */
const FILTER_COLUMNS = {
  wave: "wave_id",
  organization: "organization_id",
  index: "index_id",
  unit_level: "unit_level",
  org_level: "org_level",
  group_var: "group_var",
} as const;

/** Refuse a filter value the figures do not hold: a typo would otherwise answer 200 with no rows. */
async function checkFigureFilters(
  db: Database,
  scores: string,
  asked: Record<string, unknown>,
  params: Record<string, string | null>,
): Promise<void> {
  for (const [param, column] of Object.entries(FILTER_COLUMNS)) {
    const value = params[param];
    // only what the caller sent: a default (org_level township) is not a typo
    if (!(param in asked) || value === null || value === undefined || value === "") continue;
    const known = (
      await db.query<{ v: string }>(`select distinct ${column}::varchar as v from ${scores}`)
    ).map((r) => r.v ?? "");
    if (known.includes(value)) continue;
    throw new HttpError(
      400,
      "bad_parameter",
      `${param}=${JSON.stringify(value)} is not among the figures; allowed: ${allowedList(known)}`,
    );
  }
}

/**
 * The current figures of a study as leaders see them (suppression applied), filtered by
 * wave, organization, index, unit level, organization level and demographic group: the
 * overview's data. Values are bound; only mart names (from validated ids) enter the SQL.
 */
export function figuresRouter(db: Database, writer: Writer): express.Router {
  const router = express.Router();
  // Answers are kept by the filters read (a parameter the route does not know makes no new
  // entry), within a byte budget. A model run makes them old; an old answer is rebuilt once,
  // and sent (marked) while the rebuild waits on a database busy with uploads.
  // while a write runs (uploads, model runs); after it, readers wait for the new figures
  const answers = new RefreshingCache(FIGURES_CACHE_BYTES, { serveOldWhile: () => writer.busy });
  modelEvents.on("finished", () => answers.invalidate());
  mount(router, figures, [], async (req, res, { params: { study }, query: q }) => {
    const params = {
      wave: q.wave ?? null,
      organization: q.organization ?? null,
      index: q.index ?? null,
      unit_level: q.unit_level ?? null,
      org_level: q.org_level,
      group_var: q.group_var,
      figure: q.figure,
    };
    const key = JSON.stringify([study, params]);
    const { body, stale } = await answers.get(key, async () => {
      // a database built before published_scores: index_scores, direct figures only
      const published = await martOf(db, "published_scores", study);
      const direct = await martOf(db, "index_scores", study);
      const scores =
        published ?? (direct && `(select *, 'direct' as method, true as is_primary from ${direct})`);
      const units = await martOf(db, "seed_units", study);
      if (!scores || !units)
        throw new HttpError(404, "no_figures", `study ${study} has no figures yet (run its models)`);
      const rows = await db.query(
        `select s.*, coalesce(u.name_zh, '全区') as unit_name_zh, coalesce(u.name_en, 'District') as unit_name_en
         from ${scores} s
         left join ${units} u on u.unit_level = s.unit_level and u.unit_code = s.unit_code
         where ($wave is null or s.wave_id = $wave)
           and ($organization is null or s.organization_id = $organization)
           and ($index is null or s.index_id = $index)
           and ($unit_level is null or s.unit_level = $unit_level)
           and s.org_level in ($org_level, '') and s.group_var = $group_var
           and case $figure when 'primary' then s.is_primary when 'direct' then s.method = 'direct' else s.method <> 'direct' end
         order by s.wave_id, s.organization_id, s.index_id, s.aspect, s.unit_level, s.unit_code, s.group_value`,
        params,
      );
      // no rows: a filter value the figures do not hold (a typo) is a 400 naming it and the allowed ones
      if (rows.length === 0) await checkFigureFilters(db, scores, req.query, params);
      return new CachedBody(await jsonInPieces({ study, filters: params }, "rows", rows));
    });
    // figures from before the last model run, while the new ones are read (RFC 9111 §5.2)
    if (stale) res.set("Cache-Control", "no-cache").set("X-Figures-Stale", "1");
    await body.send(req, res, "json");
  });
  return router;
}
