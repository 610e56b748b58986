import type { Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { html, type Raw } from "../html.ts";
import type { PageContext } from "./pageContext.ts";

/** A row of published_scores (or index_scores) with the names of its organization and unit. */
export interface ScoreRow {
  wave_id: string;
  organization_id: string;
  org_zh: string;
  org_en: string;
  index_id: string;
  aspect: string;
  org_level: string;
  unit_level: string;
  unit_code: string;
  unit_zh: string | null;
  unit_en: string | null;
  group_var: string;
  group_value: string;
  /** direct | fay_herriot | synthetic: model-based figures are labelled wherever they are shown */
  method?: string;
  estimate_0_100: number | null;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  n: number | null;
  n_eff: number | null;
  is_withheld: boolean;
  withheld_reason: string;
  is_unreliable: boolean;
  previous_wave_id: string;
  change_0_100: number | null;
  /** The change's interval at the confidence level (null in a database built before it existed). */
  change_ci_low_0_100?: number | null;
  change_ci_high_0_100?: number | null;
  change_p_value: number | null;
  is_change_significant: boolean | null;
  change_note: string;
  tier: number | null;
  /** rank_intervals: null where the figure is not ranked */
  rank?: number | null;
  n_ranked?: number | null;
  rank_level?: number | null;
  rank_low?: number | null;
  rank_high?: number | null;
  rank_low_simultaneous?: number | null;
  rank_high_simultaneous?: number | null;
  tier_probability?: number | null;
  is_tier_uncertain?: boolean | null;
}

const COLUMNS = [
  "wave_id",
  "organization_id",
  "index_id",
  "aspect",
  "org_level",
  "unit_level",
  "unit_code",
  "group_var",
  "group_value",
] as const;
type Column = (typeof COLUMNS)[number];

/**
 * Rows of the suppressed scores mart, each unit's primary figure. Conditions are column = value (a list: any of them), or
 * "*" for "not empty"; values are bound, column names come from the fixed list above.
 */
export async function scoreRows(
  db: Database,
  ctx: PageContext,
  where: Partial<Record<Column, string | string[]>>,
): Promise<ScoreRow[]> {
  // the primary figure of each unit only: the one pages show, rank and tier
  const clauses: string[] = ctx.methods ? ["s.is_primary"] : [];
  const params: string[] = [];
  for (const column of COLUMNS) {
    const value = where[column];
    if (value === undefined) continue;
    if (value === "*") clauses.push(`s.${column} <> ''`);
    else if (Array.isArray(value)) {
      const marks = value.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      clauses.push(value.length ? `s.${column} in (${marks.join(", ")})` : "false");
    } else {
      params.push(value);
      clauses.push(`s.${column} = $${params.length}`);
    }
  }
  return db.query<ScoreRow>(
    `select s.wave_id, s.organization_id, o.name_zh as org_zh, o.name_en as org_en, s.index_id, s.aspect,
            s.org_level, s.unit_level, s.unit_code, u.name_zh as unit_zh, u.name_en as unit_en,
            s.group_var, s.group_value, ${ctx.methods ? "s.method" : "'direct' as method"}, s.estimate_0_100, s.ci_low_0_100, s.ci_high_0_100, s.n::int as n, s.n_eff,
            s.is_withheld, s.withheld_reason, s.is_unreliable, s.previous_wave_id, s.change_0_100, s.change_p_value,${
              ctx.changeIntervals ? " s.change_ci_low_0_100, s.change_ci_high_0_100," : ""
            }
            s.is_change_significant, s.change_note, s.tier::int as tier${
              ctx.ranks
                ? `, r.rank::int as rank, r.n_ranked::int as n_ranked, r.confidence_level as rank_level, r.rank_low::int as rank_low,
            r.rank_high::int as rank_high, r.rank_low_simultaneous::int as rank_low_simultaneous,
            r.rank_high_simultaneous::int as rank_high_simultaneous, r.tier_probability, r.is_tier_uncertain`
                : ""
            }
     from ${ctx.scores} s
     join ${ctx.organizations} o using (organization_id)
     left join ${ctx.units} u on u.unit_level = s.unit_level and u.unit_code = s.unit_code${
       ctx.ranks
         ? `
     left join ${ctx.ranks} r on s.tier is not null and r.wave_id = s.wave_id and r.organization_id = s.organization_id
       and r.index_id = s.index_id and r.aspect = s.aspect and r.org_level = s.org_level and r.unit_code = s.unit_code`
         : ""
     }
     where ${clauses.join(" and ") || "true"}
     order by o.sort_order, s.unit_code, s.wave_id`,
    params,
  );
}

export const fmt1 = (v: number | null | undefined): string =>
  v === null || v === undefined ? "—" : v.toFixed(1);

/** "+2.7" / "−1.2", with a true minus sign. */
export const signed = (v: number): string => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;

/** The arrow shown beside a figure: only where the change since the last wave is significant. */
export function arrowOf(row: ScoreRow): string {
  if (!row.is_change_significant || row.change_0_100 === null) return "";
  return `${row.change_0_100 > 0 ? "▲" : "▼"} ${signed(row.change_0_100)}`;
}

/** The change since the last wave in words, for tooltips and tables. */
export function changeText(row: ScoreRow, lang: Lang): string {
  if (row.change_note === "first_wave") return message("fig.first_wave", lang);
  if (row.change_0_100 === null) return "";
  const delta = signed(row.change_0_100);
  if (!row.is_change_significant) return message("fig.change_not_sig", lang, { delta });
  return message(row.change_0_100 > 0 ? "fig.change_sig_up" : "fig.change_sig_down", lang, { delta });
}

/** The method of a figure in words, for downloads: direct, or "模型估计 / model-based" (synthetic: says so). */
export function methodText(row: Pick<ScoreRow, "method">, lang: Lang): string {
  if (!row.method || row.method === "direct") return message("sae.direct", lang);
  return message(row.method === "synthetic" ? "sae.synthetic" : "sae.model_based_label", lang);
}

/** "模型估计" / "model-based" beside a figure that is not direct (fay_herriot, synthetic); nothing beside a direct one. */
export function methodMark(row: Pick<ScoreRow, "method">, lang: Lang): Raw | "" {
  if (!row.method || row.method === "direct") return "";
  return html` <span class="model-based" title="${message("sae.model_based_label", lang)}">${message("sae.model_based", lang)}</span>`;
}

/** Why a figure is withheld, in words, with the threshold from the study's reporting rules. */
export function withheldText(
  reason: string,
  lang: Lang,
  rules: { min_n: number; max_rse: number } | undefined,
): string {
  if (reason === "min_n") return message("withheld.min_n", lang, { min: rules?.min_n ?? "?" });
  if (reason === "max_rse") return message("withheld.max_rse", lang, { max: rules?.max_rse ?? "?" });
  // a model-based figure withheld by its relative RMSE (small_area.max_rrmse)
  if (reason === "rrmse") return message("sae.withheld", lang);
  return message("fig.withheld", lang);
}
