import {
  designWithColumns,
  type Estimate,
  type EstimateRequest,
  reportingIntervals,
  surveyEstimatesBySets,
  type TaylorDesign,
} from "../../analysis/index.ts";
import { quoteIdent } from "../../db/index.ts";
import { openAnswerSetup } from "../../themes/index.ts";
import { CALIBRATED_DESIGN } from "../intermediate/int_responses_calibrated.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["int_responses_calibrated", "int_open_answers_coded", "seed_breakdowns"];
/**
 * The index figures and the small-area models get the CPU first: the published figures and their
 * ranks wait for them, the themes do not (they run beside the published figures and the ranks).
 */
export const runsAfter = ["index_estimates", "sae_estimates"];

/** Not themes: the share who left the question blank, and who wrote something no theme covers. */
export const BLANK = "_blank";
export const UNCODED = "_uncoded";

/**
 * The weighted share of respondents raising each theme in each open question, from the
 * calibrated design by Taylor linearization (a proportion with R's svyciprop logit interval, its
 * quantiles by the study's interval rule as index_estimates' rates: analysis/reportingIntervals.ts): base = every respondent asked the question in the wave, so a blank answer counts
 * as not raising the theme; the blank share and the uncoded share are reported beside the
 * themes. For the district, every township and the one-way demographic groups, per wave.
 */
export async function build({ session, study, ref, self, shared }: ModelContext): Promise<void> {
  const setup = openAnswerSetup(study);
  const rows: Record<string, unknown>[] = [];
  if (setup) {
    const design = shared.get(CALIBRATED_DESIGN) as TaylorDesign;
    const breakdowns = (
      await session.query<{ variable: string }>(
        `select variable from ${quoteIdent(ref("seed_breakdowns"))} order by position`,
      )
    ).map((r) => r.variable);
    const themeIds = [...setup.codebook.themes.map((t) => t.id), BLANK, UNCODED];
    const columns = setup.items.flatMap(({ item, organizationId }) =>
      themeIds.map((theme, k) => ({ item, organizationId, theme, name: `${item}__${theme}`, k })),
    );
    // one 0/1 column per question and theme; null for a respondent not asked the question
    const params: Record<string, string> = {};
    const selects = columns.map((c, j) => {
      params[`i${j}`] = c.item;
      const flag =
        c.theme === BLANK
          ? "is_blank"
          : c.theme === UNCODED
            ? "is_uncoded"
            : `list_contains(theme_ids, $t${j})`;
      if (flag.includes("$t")) params[`t${j}`] = c.theme;
      return `max(case when item = $i${j} then (${flag})::integer end) as ${quoteIdent(c.name)}`;
    });
    const wide = "__theme_flags";
    await session.run(
      `create or replace temp table ${wide} as
       select wave_id, respondent_id, ${selects.join(", ")}
       from ${quoteIdent(ref("int_open_answers_coded"))}
       group by wave_id, respondent_id`,
      params,
    );
    const withThemes = designWithColumns(
      design,
      wide,
      ["wave_id", "respondent_id"],
      columns.map((c) => c.name),
    );
    // the study's interval rule, as index_estimates (analysis/reportingIntervals.ts)
    const intervals = reportingIntervals(study.reporting.intervals);
    const requests: EstimateRequest[] = columns.map((c) => ({
      kind: "proportion",
      condition: `${quoteIdent(c.name)} = 1`,
      ci: "logit",
      ...intervals.rateDf(withThemes),
    }));
    const sets = [
      { by: ["wave_id"], unitLevel: "district", group: "" },
      { by: ["wave_id", "stratum_code"], unitLevel: "township", group: "" },
      ...breakdowns.map((g) => ({ by: ["wave_id", g], unitLevel: "district", group: g })),
    ];
    const level = study.reporting.confidence_level;
    const results = await surveyEstimatesBySets(
      withThemes,
      requests,
      sets.map((s) => s.by),
      // no covariance between themes is used: each request its own block (variances only)
      { naRm: true, level, df: intervals.df, covarianceBlocks: requests.map((_, i) => i) },
    );
    sets.forEach((set, s) => {
      const { estimates } = results[s]!;
      columns.forEach((c, k) => {
        for (const e of estimates[k]!) {
          const by = e.by ?? {};
          if (e.n === 0 || (set.group && (by[set.group] === null || by[set.group] === undefined))) continue;
          rows.push({
            wave_id: String(by.wave_id),
            item: c.item,
            organization_id: c.organizationId,
            theme_id: c.theme,
            unit_level: set.unitLevel,
            unit_code: set.unitLevel === "township" ? String(by.stratum_code) : "",
            group_var: set.group,
            group_value: set.group ? String(by[set.group]) : "",
            ...percent(e),
            codebook_version: setup.codebook.version,
          });
        }
      });
    });
    await session.run(`drop table ${wide}`);
  }
  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      item: "varchar",
      organization_id: "varchar",
      theme_id: "varchar",
      unit_level: "varchar",
      unit_code: "varchar",
      group_var: "varchar",
      group_value: "varchar",
      estimate_0_100: "double",
      se_0_100: "double",
      ci_low_0_100: "double",
      ci_high_0_100: "double",
      df: "double",
      deff: "double",
      n: "integer",
      n_eff: "double",
      codebook_version: "integer",
    },
    rows,
  );
}

function percent(e: Estimate) {
  return {
    estimate_0_100: e.estimate * 100,
    se_0_100: e.se * 100,
    // a share of exactly 0 or 100 has no logit interval (R gives NaN); it is withheld downstream
    ci_low_0_100: Number.isFinite(e.ciLow) ? e.ciLow * 100 : null,
    ci_high_0_100: Number.isFinite(e.ciHigh) ? e.ciHigh * 100 : null,
    df: Number.isFinite(e.df) ? e.df : null,
    deff: e.deff !== null && Number.isFinite(e.deff) ? e.deff : null,
    n: e.n,
    n_eff: e.nEff,
  };
}
