import express from "express";
import { z } from "zod";
import { type Database, quoteIdent } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { relationName } from "../../models/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { named } from "../api/components.ts";
import { Id, LangParam, num } from "../api/params.ts";
import { districtIndexChart } from "../charts/districtIndexChart.ts";
import { HttpError } from "../HttpError.ts";

export function langOf(value: unknown): Lang {
  return value === "en" ? "en" : "zh";
}

export const EstimateRow = named(
  "EstimateRow",
  z.object({
    wave_id: z.string(),
    organization_id: z.string(),
    name_zh: z.string(),
    name_en: z.string(),
    estimate_0_100: num(),
    ci_low_0_100: num(),
    ci_high_0_100: num(),
    se_0_100: num(),
    n: z.int().nullable(),
    n_eff: num(),
    is_withheld: z.boolean(),
    withheld_reason: z.string().nullable(),
  }),
);
type EstimateRow = z.infer<typeof EstimateRow>;

export const health = apiRoute({
  method: "get",
  path: "/health",
  summary: "Liveness and database check",
  capability: null,
  responses: { 200: { description: "ok", schema: z.object({ status: z.literal("ok") }) } },
});

const Wave = z.object({
  study_id: z.string(),
  wave_id: z.string(),
  title_zh: z.string().nullable(),
  title_en: z.string().nullable(),
  codebook_version: z.string().nullable(),
});

export const studies = apiRoute({
  method: "get",
  path: "/studies",
  summary: "Studies and their waves",
  capability: "studies",
  responses: {
    200: {
      description: "studies",
      schema: z.object({
        studies: z.array(
          z.object({
            study_id: z.string(),
            title_zh: z.string(),
            title_en: z.string(),
            waves: z.array(Wave),
          }),
        ),
      }),
    },
  },
});

const DistrictQuery = z.object({
  study: Id,
  index: Id.meta({
    description: "the study's first indicator that is not a composite by default",
  }).optional(),
});

export const estimates = apiRoute({
  method: "get",
  path: "/estimates",
  summary: "District figures of one indicator for every organization and wave, suppression applied",
  capability: "estimates",
  query: DistrictQuery,
  responses: {
    200: {
      description: "estimates",
      schema: z.object({
        study: z.string(),
        index: z.string(),
        level: z.literal("district"),
        rows: z.array(EstimateRow),
      }),
    },
    404: { description: "the study has no figures yet" },
  },
});

export const districtChart = apiRoute({
  method: "get",
  path: "/charts/district",
  summary: "The district chart of one indicator as a Vega-Lite specification",
  capability: "charts",
  query: DistrictQuery.extend({ lang: LangParam }),
  responses: {
    200: {
      description: "a Vega-Lite v6 specification",
      schema: z.looseObject({ $schema: z.string(), data: z.looseObject({}) }),
    },
    404: { description: "the study has no figures yet" },
  },
});

/** A study's mart, or undefined when its models have not run yet. */
export async function martOf(db: Database, model: string, study: string): Promise<string | undefined> {
  const name = relationName(model, study);
  const rows = await db.query(
    "select 1 from duckdb_tables() where table_name = $1 and schema_name = 'main'",
    [name],
  );
  return rows.length ? quoteIdent(name) : undefined;
}

/** Each indicator id's name as the study declares it (seed_indicators); empty before its first run. */
export async function indicatorNames(
  db: Database,
  study: string,
): Promise<Map<string, { zh: string; en: string }>> {
  const seed = await martOf(db, "seed_indicators", study);
  const rows = seed
    ? await db.query<{ index_id: string; name_zh: string; name_en: string }>(
        `select index_id, name_zh, name_en from ${seed} order by sort_order`,
      )
    : [];
  return new Map(rows.map((r) => [r.index_id, { zh: r.name_zh, en: r.name_en }]));
}

/** The study's reporting rules (suppression thresholds), from its seed. */
export async function reportingRules(
  db: Database,
  study: string,
): Promise<{ min_n: number; max_rse: number } | undefined> {
  const seed = await martOf(db, "seed_reporting", study);
  return seed
    ? (await db.query<{ min_n: number; max_rse: number }>(`select min_n, max_rse from ${seed}`))[0]
    : undefined;
}

/** District figures of one index for every organization and wave, as leaders see them (suppressed). */
export async function districtFigures(db: Database, study: string, index: string): Promise<EstimateRow[]> {
  const scores = await martOf(db, "index_scores", study);
  const orgs = await martOf(db, "seed_organizations", study);
  if (!scores || !orgs) return [];
  return db.query<EstimateRow>(
    `select s.wave_id, s.organization_id, o.name_zh, o.name_en, s.estimate_0_100, s.ci_low_0_100, s.ci_high_0_100,
            s.se_0_100, s.n, s.n_eff, s.is_withheld, s.withheld_reason
     from ${scores} s
     join ${orgs} o using (organization_id)
     where s.index_id = $1 and s.unit_level = 'district' and s.group_var = '' and s.aspect = '' and s.org_level in ('township', '')
     order by o.sort_order, s.wave_id`,
    [index],
  );
}

export function apiRouter(db: Database): express.Router {
  const router = express.Router();
  mount(router, health, [], async (_req, res) => {
    await db.query("select 1");
    res.json({ status: "ok" });
  });
  mount(router, studies, [], async (_req, res) => {
    const studies = await db.query("select study_id, title_zh, title_en from studies order by study_id");
    const waves = await db.query(
      "select study_id, wave_id, title_zh, title_en, codebook_version from waves order by study_id, wave_id",
    );
    res.json({
      studies: studies.map((s) => ({ ...s, waves: waves.filter((w) => w.study_id === s.study_id) })),
    });
  });
  // without ?index=, the study's first indicator that is not a composite (the demo: awareness)
  const defaultIndex = async (study: string) => {
    const seed = await martOf(db, "seed_indicators", study);
    const [first] = seed
      ? await db.query<{ index_id: string }>(
          `select index_id from ${seed} where estimator <> 'composite' and parent_id = '' order by sort_order limit 1`,
        )
      : [];
    if (!first) throw new HttpError(404, "no_indicators", `study ${study} has no figures yet (no model run)`);
    return first.index_id;
  };
  /** A rate (a proportion) reads as "%", other figures on their 0–100 scale. */
  const isRate = async (study: string, index: string) => {
    const seed = await martOf(db, "seed_indicators", study);
    const [row] = seed
      ? await db.query<{ estimator: string }>(`select estimator from ${seed} where index_id = $1`, [index])
      : [];
    return row?.estimator === "proportion";
  };
  mount(router, estimates, [], async (_req, res, { query }) => {
    const study = query.study;
    const index = query.index ?? (await defaultIndex(study));
    res.json({ study, index, level: "district", rows: await districtFigures(db, study, index) });
  });
  mount(router, districtChart, [], async (_req, res, { query }) => {
    const study = query.study;
    const lang = langOf(query.lang);
    const index = query.index ?? (await defaultIndex(study));
    const rows = await districtFigures(db, study, index);
    const name = (await indicatorNames(db, study)).get(index)?.[lang] ?? index;
    const spec = districtIndexChart(
      rows.map((r) => ({
        organization: lang === "zh" ? r.name_zh : r.name_en,
        wave: r.wave_id,
        estimate: r.estimate_0_100,
        ciLow: r.ci_low_0_100,
        ciHigh: r.ci_high_0_100,
        n: r.n ?? 0,
      })),
      {
        title: message("ui.index_district", lang, { index: name }),
        value: (await isRate(study, index))
          ? message("ui.rate_pct", lang, { index: name })
          : message("ui.index_value", lang, { index: name }),
        wave: message("ui.wave", lang),
        organization: message("ui.organization", lang),
      },
    );
    res.json(spec);
  });
  return router;
}
