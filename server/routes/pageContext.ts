import type { Database } from "../../db/index.ts";
import type { Lang } from "../../messages/catalogue.ts";
import { relationName } from "../../models/index.ts";
import { martOf } from "./api.ts";

export const ORG_LEVELS = ["township", "village"] as const;

/** An indicator id of the study as seed_indicators names it (composites first). */
export interface Indicator extends Named {
  index_id: string;
  /** The indicator a detail belongs to ("% satisfied" of satisfaction), "" for a headline figure. */
  parent_id: string;
  unit: "0_100" | "scale";
}

export interface Filters {
  study: string;
  wave: string;
  /** "" for all organizations. */
  org: string;
  level: (typeof ORG_LEVELS)[number];
  index: string;
}

export interface Named {
  name_zh: string;
  name_en: string;
}

export interface PageContext {
  studies: { study_id: string; title_zh: string; title_en: string }[];
  study: { study_id: string; title_zh: string; title_en: string };
  waves: { wave_id: string; title_zh: string; title_en: string; wave_order: number }[];
  orgs: ({ organization_id: string } & Named)[];
  /** Indicators measured at the chosen organization level (or at none), in their order. */
  indices: string[];
  /** The headline indicators among them: the scorecard's columns. */
  scorecard: string[];
  /** Every indicator id of the study, with its names. */
  indicators: Indicator[];
  filters: Filters;
  /** The chosen index is not measured at the chosen level, so another was taken. */
  indexReplaced: boolean;
  /**
   * Quoted names of the study's marts. `scores` is published_scores (each unit's figures, direct
   * or model-based, `is_primary` marking the one pages show), or index_scores (direct figures
   * only) in a database built before published_scores existed.
   */
  scores: string;
  /** The scores mart says each figure's method and which is primary (published_scores does; index_scores: all direct). */
  methods: boolean;
  units: string;
  organizations: string;
  /** rank_intervals (absent in a database built before it existed) */
  ranks?: string;
  /** The scores mart has the change's interval (change_ci_low_0_100; not in older databases). */
  changeIntervals: boolean;
}

export const nameIn = (row: Named, lang: Lang): string => (lang === "zh" ? row.name_zh : row.name_en);
export const titleIn = (row: { title_zh: string; title_en: string }, lang: Lang): string =>
  lang === "zh" ? row.title_zh : row.title_en;

/** An indicator's name as the study declares it (seed_indicators), or its id. */
export function indexName(ctx: Pick<PageContext, "indicators">, id: string, lang: Lang): string {
  const found = ctx.indicators.find((i) => i.index_id === id);
  return found ? nameIn(found, lang) : id;
}

/**
 * The study, waves, organizations and filters of a page, read from the query string. Every
 * filter is checked against the values the marts hold, so unknown values fall back to the
 * defaults (latest wave, all organizations, township level, composite index) instead of failing.
 */
export async function pageContext(
  db: Database,
  query: Record<string, unknown>,
): Promise<PageContext | undefined> {
  const studies = await db.query<{ study_id: string; title_zh: string; title_en: string }>(
    "select study_id, title_zh, title_en from studies order by study_id",
  );
  const study = studies.find((s) => s.study_id === query.study) ?? studies[0];
  if (!study) return undefined;
  const primary = await martOf(db, "published_scores", study.study_id);
  const scores = primary ?? (await martOf(db, "index_scores", study.study_id));
  const units = await martOf(db, "seed_units", study.study_id);
  const orgsMart = await martOf(db, "seed_organizations", study.study_id);
  const wavesMart = await martOf(db, "seed_waves", study.study_id);
  if (!scores || !units || !orgsMart || !wavesMart) return undefined;
  const waves = await db.query<PageContext["waves"][number]>(
    `select wave_id, title_zh, title_en, wave_order from ${wavesMart}
     where wave_id in (select distinct wave_id from ${scores}) order by wave_order`,
  );
  const orgs = await db.query<PageContext["orgs"][number]>(
    `select organization_id, name_zh, name_en from ${orgsMart} order by sort_order`,
  );
  if (!waves.length) return undefined;
  const level = ORG_LEVELS.find((l) => l === query.level) ?? "township";
  const measured = new Set(
    (
      await db.query<{ index_id: string }>(
        `select distinct index_id from ${scores} where org_level in ($1, '') and aspect = ''`,
        [level],
      )
    ).map((r) => r.index_id),
  );
  const indicatorsMart = await martOf(db, "seed_indicators", study.study_id);
  const indicators = indicatorsMart
    ? await db.query<Indicator>(
        `select index_id, name_zh, name_en, parent_id, unit from ${indicatorsMart} order by sort_order`,
      )
    : [];
  const indices = indicators.map((i) => i.index_id).filter((i) => measured.has(i));
  const scorecard = indicators
    .filter((i) => i.parent_id === "" && measured.has(i.index_id))
    .map((i) => i.index_id);
  const asked = typeof query.index === "string" ? query.index : (indices[0] ?? "");
  const index = indices.includes(asked) ? asked : (indices[0] ?? "");
  const filters: Filters = {
    study: study.study_id,
    wave: waves.find((w) => w.wave_id === query.wave)?.wave_id ?? waves[waves.length - 1]!.wave_id,
    org: orgs.find((o) => o.organization_id === query.org)?.organization_id ?? "",
    level,
    index,
  };
  return {
    studies,
    study,
    waves,
    orgs,
    indices,
    scorecard,
    indicators,
    filters,
    indexReplaced: typeof query.index === "string" && query.index !== index,
    scores,
    methods: primary !== undefined,
    units,
    organizations: orgsMart,
    ranks: await martOf(db, "rank_intervals", study.study_id),
    changeIntervals:
      (
        await db.query<{ n: number }>(
          "select count(*)::int as n from duckdb_columns() where table_name = $1 and column_name = 'change_ci_low_0_100'",
          [relationName("index_scores", study.study_id)],
        )
      )[0]!.n > 0,
  };
}

/** The query string of a view, for links that keep the filters (and the language). */
export function viewQuery(filters: Partial<Filters>, lang: Lang, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params.set(k, v);
  if (lang === "en") params.set("lang", "en");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The latest release of a study's wave, for the print header. */
export async function latestRelease(
  db: Database,
  study: string,
  wave: string,
): Promise<{ release_id: string; created_at: string; methodology_version: string } | undefined> {
  const rows = await db.query<{ release_id: string; created_at: string; methodology_version: string }>(
    `select release_id, strftime(created_at, '%Y-%m-%d %H:%M') as created_at, methodology_version
     from releases where study_id = $1 and wave_id = $2 order by created_at desc limit 1`,
    [study, wave],
  );
  return rows[0];
}
