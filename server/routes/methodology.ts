import type { Request, Response } from "express";
import { COVERAGE_VALIDATION } from "../../analysis/simulation/coverageValidation.ts";
import type { Database } from "../../db/index.ts";
import { type MessageKey, message } from "../../messages/catalogue.ts";
import { stageTwoVariance } from "../../study/index.ts";
import { principal } from "../auth/authenticate.ts";
import { html } from "../html.ts";
import { indicatorNames, langOf, martOf } from "./api.ts";
import { layout } from "./layout.ts";
import { pageContext, titleIn } from "./pageContext.ts";
import { saeMethodology } from "./saeMethodology.ts";
import { studyLabels } from "./studyLabels.ts";

const pct = (v: number) => String(Math.round(v * 1000) / 10);

/**
 * How the figures are made: sampling (from the study design), weighting (method, margins and
 * the diagnostics mart), index formulas, suppression rules (seed_reporting) and releases.
 */
export async function methodologyPage(db: Database, req: Request, res: Response): Promise<void> {
  const lang = langOf(req.query.lang);
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const ctx = await pageContext(db, req.query);
  if (!ctx) {
    res
      .type("html")
      .send(layout(lang, t("method.title"), html`<p class="empty">${t("ui.no_data")}</p>`, principal(res)));
    return;
  }
  const study = ctx.study.study_id;
  const { study: definition, variable } = await studyLabels(db, study);
  const count = async (level: string) =>
    (
      await db.query<{ n: number }>(`select count(*)::int as n from ${ctx.units} where unit_level = $1`, [
        level,
      ])
    )[0]?.n ?? 0;
  const [townships, villages] = [await count("township"), await count("village")];
  const diagnosticsMart = await martOf(db, "weighting_diagnostics", study);
  const diagnostics = diagnosticsMart
    ? await db.query<{
        wave_id: string;
        n_respondents: number;
        min_weight: number;
        max_weight: number;
        cv_weight: number;
        deff_weight: number;
        n_eff_weight: number;
        calibration_method: string;
        calibration_iterations: number;
        calibration_worst_error: number;
      }>(`select * from ${diagnosticsMart} order by wave_id`)
    : [];
  // townships whose intervals rest on t with 1 df (2 villages responding, index_estimates'
  // interval_note): 95% is not attainable there with this design, and the page says so rather
  // than print a false 95%
  const estimatesMart = await martOf(db, "index_estimates", study);
  const twoVillage = estimatesMart
    ? (
        await db.query<{ wave_id: string; units: string }>(
          `select wave_id, string_agg(distinct unit_code, ', ' order by unit_code) as units
           from ${estimatesMart} where unit_level = 'township' and group_var = '' and interval_note = 'two_psus'
           group by wave_id order by wave_id`,
        )
      ).map((r) => `${r.wave_id}: ${r.units}`)
    : [];
  const reportingMart = await martOf(db, "seed_reporting", study);
  const reporting = reportingMart
    ? (
        await db.query<{
          confidence_level: number;
          min_n: number;
          max_rse: number;
          unreliable_rse: number;
          village_min_n: number;
        }>(`select * from ${reportingMart}`)
      )[0]
    : undefined;
  const weightsMart = await martOf(db, "seed_composite_weights", study);
  const weights = weightsMart
    ? await db.query<{ composite_id?: string; version: string; index_id: string; weight: number }>(
        `select * from ${weightsMart} order by composite_id, position`,
      )
    : [];
  const releases = await db.query<{
    release_id: string;
    wave_id: string;
    created_at: string;
    methodology_version: string;
    supersedes_release_id: string | null;
  }>(
    `select release_id, wave_id, strftime(created_at, '%Y-%m-%d %H:%M') as created_at, methodology_version, supersedes_release_id
     from releases where study_id = $1 order by created_at desc`,
    [study],
  );
  const margins = (definition?.calibration.margins ?? [])
    .map((m) => m.variables.map((v) => variable(v, lang)).join(" × "))
    .filter(Boolean)
    .join(lang === "zh" ? "；" : "; ");
  const method =
    definition?.calibration.method === "rake" ? t("method.rake") : (definition?.calibration.method ?? "");
  const names = await indicatorNames(db, study);
  const nameOf = (id: string) => names.get(id)?.[lang] ?? id;
  const byComposite = new Map<string, typeof weights>();
  for (const w of weights)
    byComposite.set(w.composite_id ?? "composite", [
      ...(byComposite.get(w.composite_id ?? "composite") ?? []),
      w,
    ]);
  const composites = [...byComposite].map(([id, ws]) => {
    const formula = ws.map((w) => `${w.weight} × ${nameOf(w.index_id)}`).join(" + ");
    return id === "composite"
      ? t("method.formula_composite", { weights: formula, version: ws[0]!.version })
      : t("method.formula_named_composite", { name: nameOf(id), weights: formula, version: ws[0]!.version });
  });
  const presets = new Set<string>(definition?.indices.map((ix) => ix.index) ?? []);
  // the intervals paragraph in the study's own words: its primary units, calibration, rates, scores
  const infos = definition?.indicatorInfos ?? [];
  const namesOf = (estimator: string) =>
    infos
      .filter((i) => i.estimator === estimator && i.parent_id === "")
      .map((i) => i.name[lang])
      .join(lang === "zh" ? "、" : ", ") || t("method.none_of_kind");
  const calibrated = definition && definition.calibration.method !== "none";
  const psu = definition?.design.ids?.[0] ? variable(definition.design.ids[0], lang) : "PSU";
  // rates on normal quantiles where the variance has a stage-2 term (an fpc at both stages),
  // as analysis/reportingIntervals.ts's hasStageTwoVariance decides on the design itself
  const stageTwo = definition !== undefined && stageTwoVariance(definition);
  const intervalWords = {
    psu,
    calibration: calibrated ? t("method.intervals_calibration", { method }) : "",
    rates: namesOf("proportion"),
    scores: namesOf("mean"),
    rate_quantiles: stageTwo ? t("method.rates_normal") : t("method.rates_t", { psu }),
    rate_reason: stageTwo ? t("method.rates_normal_reason") : "",
  };
  // the variance the design asks for: PSUs with replacement, finite population correction, or
  // Brewer's unequal-probability approximation (pps), as the sampling paragraph states it
  const variance: "with_replacement" | "fpc" | "brewer" =
    definition?.design.pps === "brewer"
      ? "brewer"
      : definition?.design.fpc.length
        ? "fpc"
        : "with_replacement";
  // the simulated variance: Brewer over both stages (two stages, each with its probabilities)
  const simulated = variance === "brewer" && stageTwo ? "brewer_two_stage" : variance;
  // what the coverage simulation measured for this rule on the demo design (docs/coverage-simulation.txt),
  // stated only for a study whose variance is the one it scored
  const v = COVERAGE_VALIDATION;
  const points = (x: number) => String(Math.round(x * 1000) / 10);
  const sePoints = (x: number) => String(Math.round(x * 10000) / 100);
  const coverage = html`<p>${t("method.coverage_text", {
    samples: String(v.samples),
    district: points(v.district),
    district_se: sePoints(v.districtMcSe),
    township: points(v.township),
    township_se: sePoints(v.townshipMcSe),
    worst: points(v.worstTownship),
    worst_plus: points(v.worstTownshipPlus3McSe),
  })}${v.township > 0.96 ? ` ${t("method.coverage_conservative")}` : ""}</p>`;
  const coverageOrNot =
    simulated === v.variance ? coverage : html`<p>${t("method.coverage_not_simulated")}</p>`;
  const declared = (definition?.indicators ?? []).map((ind) => {
    const rescaled = ind.rescale ? t("method.rescaled") : "";
    let text = t(`method.kind_${ind.kind}` as MessageKey, {
      name: ind.name[lang],
      codes: ind.codes.join(", "),
      items: ind.items.join(", "),
      min: String(ind.scale?.min ?? ""),
      max: String(ind.scale?.max ?? ""),
      rescaled,
    });
    if (ind.dont_know.length || ind.refused.length || ind.not_applicable.length)
      text += t("method.missing_rules", {
        dont_know: t(ind.dont_know_as === "no" ? "method.dont_know_no" : "method.dont_know_excluded"),
      });
    if (ind.population) text += t("method.population", { population: ind.population });
    return `${text}${lang === "zh" ? "。" : "."}`;
  });
  const num = (v: number, d = 1) => v.toFixed(d);
  // the design in the study's own words: its strata and primary units, by their short labels
  const baseWeights = definition?.design.base_weights;
  const given = baseWeights?.method === "column";
  const strataColumn = definition?.design.strata ?? definition?.frame.stratum ?? "";
  const psuColumn = definition?.design.ids?.[0] ?? definition?.frame.psu ?? "";
  const psus = definition?.design.ids?.join(", ") ?? psuColumn;
  const designWords = {
    stratum: strataColumn ? variable(strataColumn, lang) : "",
    psu: psuColumn ? variable(psuColumn, lang) : "",
    strata: strataColumn,
    psus,
    variance: t(`method.variance_${variance}`, { psus, fpc: definition?.design.fpc.join(", ") ?? "" }),
    lonely: t(`method.lonely_${definition?.design.lonely_psu ?? "fail"}` as MessageKey),
  };

  const body = html`<div class="method">
<h1>${t("method.title")} <span class="wave">${titleIn(ctx.study, lang)}</span></h1>
<section><h2>${t("method.sampling")}</h2>
<p>${t(given ? "method.sampling_text_given" : "method.sampling_text", designWords)}</p>
<p>${t("method.frame", { ...designWords, townships: String(townships), villages: String(villages) })}</p>
</section>
<section><h2>${t("method.weighting")}</h2>
<p>${baseWeights?.method === "column" ? t("method.weighting_given", { column: baseWeights.column }) : t("method.weighting_text", designWords)}${
    definition?.calibration.method === "none" || !margins
      ? t("method.weighting_uncalibrated")
      : t("method.weighting_calibrated", { method, margins })
  }</p>
<div class="table-scroll"><table class="figures diagnostics">
<caption>${t("method.diagnostics")}</caption>
<thead><tr><th>${t("ui.wave")}</th><th>${t("method.respondents")}</th><th>${t("method.weight_range")}</th><th>${t("method.cv")}</th><th>${t("method.deff_w")}</th><th>${t("ui.n_eff")}</th><th>${t("method.iterations")}</th><th>${t("method.worst_error")}</th></tr></thead>
<tbody>${diagnostics.map(
    (d) =>
      html`<tr><td>${titleIn(ctx.waves.find((w) => w.wave_id === d.wave_id) ?? { title_zh: d.wave_id, title_en: d.wave_id }, lang)}</td><td>${d.n_respondents}</td><td>${num(d.min_weight)} – ${num(d.max_weight)}</td><td>${num(d.cv_weight, 3)}</td><td>${num(d.deff_weight, 3)}</td><td>${Math.round(d.n_eff_weight)}</td><td>${d.calibration_iterations}</td><td>${d.calibration_worst_error.toExponential(1)}</td></tr>`,
  )}</tbody>
</table></div>
</section>
<section><h2>${t("method.indices")}</h2>
<ul>
${presets.has("awareness") ? html`<li>${t("method.formula_awareness")}</li>` : ""}
${presets.has("participation") ? html`<li>${t("method.formula_participation")}</li>` : ""}
${presets.has("approval") ? html`<li>${t("method.formula_approval")}</li>` : ""}
${presets.has("satisfaction") ? html`<li>${t("method.formula_satisfaction")}</li>` : ""}
${declared.map((text) => html`<li>${text}</li>`)}
${composites.map((text) => html`<li>${text}</li>`)}
</ul>
<p class="note">${t("ui.method_note")}</p>
</section>
<section><h2>${t("method.suppression")}</h2>
${
  reporting
    ? html`<p>${t("method.suppression_text", {
        level: pct(reporting.confidence_level),
        min_n: String(reporting.min_n),
        max_rse: pct(reporting.max_rse),
        unreliable: pct(reporting.unreliable_rse),
        village_min_n: String(reporting.village_min_n),
        psu: designWords.psu,
      })}</p>
<p>${t("method.change_text", { alpha: String(Math.round((1 - reporting.confidence_level) * 1000) / 1000) })}</p>`
    : ""
}
</section>
<section><h2>${t("method.intervals")}</h2>
<p>${t(definition?.reporting.intervals === "r" ? "method.intervals_text_r" : "method.intervals_text", intervalWords)}</p>
${definition?.reporting.intervals === "r" ? "" : coverageOrNot}
${twoVillage.length ? html`<p class="notice">${t("method.two_villages", { units: twoVillage.join("; "), psu: intervalWords.psu })}</p>` : ""}
<p>${t("method.ranks_text")}</p>
</section>
${await saeMethodology(db, study, lang)}
<section id="releases"><h2>${t("method.releases")}</h2>
${
  releases.length
    ? html`<div class="table-scroll"><table class="figures releases"><thead><tr><th>${t("method.release_id")}</th><th>${t("ui.wave")}</th><th>${t("method.created_at")}</th><th>${t("method.methodology_version")}</th><th>${t("method.supersedes")}</th></tr></thead>
<tbody>${releases.map((r) => html`<tr><td>${r.release_id}</td><td>${r.wave_id}</td><td>${r.created_at}</td><td>${r.methodology_version}</td><td>${r.supersedes_release_id ?? "—"}</td></tr>`)}</tbody></table></div>`
    : html`<p>${t("method.no_releases")}</p>`
}
</section>
</div>`;
  res.type("html").send(
    layout(lang, `${t("method.title")} · ${t("ui.app_name")}`, body, principal(res), {
      url: req.originalUrl,
    }),
  );
}
